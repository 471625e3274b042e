package dev.cni4j.cli;

import dev.cni4j.net.IpPrefix;
import dev.cni4j.skel.Names;
import dev.cni4j.spec.CniVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network {@code cni4j install} writes when not given a conflist: a bridge ({@code cni0},
 * gateway, masquerade, hairpin) with host-local IPAM on one subnet, then portmap (hostPort) and
 * bandwidth (traffic shaping annotations), at cniVersion {@value #CNI_VERSION} unless told otherwise:
 * libcni before 1.2 (containerd 1.6 and 1.7, older CRI-O and podman) rejects 1.1.0 results.
 */
final class DefaultConflist {
    private DefaultConflist() {
    }

    /** What the conflist says without --cni-version. */
    static final String CNI_VERSION = "1.0.0";

    /** The versions --cni-version takes: the versions a conflist can say. */
    static final List<String> CNI_VERSIONS = CniVersion.LISTS;

    static String json(String networkName, String subnet, String cniVersion) {
        if (!Names.isValidNetworkName(networkName)) {
            throw CliException.usage("invalid --network-name \"" + networkName
                    + "\": letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        if (!CNI_VERSIONS.contains(cniVersion)) {
            throw CliException.usage("invalid --cni-version \"" + cniVersion + "\": one of " + CNI_VERSIONS);
        }
        IpPrefix prefix = IpPrefix.tryParse(subnet);
        if (prefix == null) {
            throw CliException.usage("invalid --subnet \"" + subnet + "\": expected a CIDR such as 10.22.0.0/16");
        }
        boolean ipv6 = prefix.isIPv6();
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("type", "host-local");
        ipam.put("ranges", List.of(List.of(Map.of("subnet", subnet))));
        ipam.put("routes", List.of(Map.of("dst", ipv6 ? "::/0" : "0.0.0.0/0")));
        Map<String, Object> bridge = new LinkedHashMap<>();
        bridge.put("type", "bridge");
        bridge.put("bridge", "cni0");
        bridge.put("isGateway", true);
        bridge.put("ipMasq", true);
        bridge.put("hairpinMode", true);
        bridge.put("ipam", ipam);
        Map<String, Object> portmap = new LinkedHashMap<>();
        portmap.put("type", "portmap");
        portmap.put("capabilities", Map.of("portMappings", true));
        Map<String, Object> bandwidth = new LinkedHashMap<>();
        bandwidth.put("type", "bandwidth");
        bandwidth.put("capabilities", Map.of("bandwidth", true));
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("cniVersion", cniVersion);
        list.put("name", networkName);
        list.put("plugins", List.of(bridge, portmap, bandwidth));
        return PrettyJson.write(list) + "\n";
    }

    /** The file name: {@code 10-<network>.conflist}, early in the lexical order runtimes use. */
    static String fileName(String networkName) {
        return "10-" + networkName + ".conflist";
    }
}
