package dev.cni4j.node;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.json.PrettyJson;
import dev.cni4j.net.IpPrefix;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network cni4j writes when it is not given one: a bridge ({@code cni0}, gateway, hairpin)
 * with host-local IPAM, then portmap (hostPort) and bandwidth (the traffic shaping annotations),
 * at cniVersion {@value #CNI_VERSION} unless told otherwise: libcni before 1.2 (containerd 1.6 and
 * 1.7, older CRI-O and podman) rejects every 1.1.0 result with "unsupported CNI result version".
 * {@code cni4j install} and the node agent each set the options they need:
 * <pre>
 *   option             default            cni4j install      node agent
 *   subnet             usePodCidr         --subnet           usePodCidr
 *   ipamDefaultRoute   no                 yes                no
 *   defaultGateway     no                 no                 yes
 *   ipMasq             no                 yes                no (it masquerades egress itself)
 *   mtu                bridge's default   -                  the backend's pod MTU
 *   podCidrFile        NodeLayout's       -                  its setting
 *   dataDir            NodeLayout's       -                  its setting
 *   portmapSnat        no                 no                 yes
 * </pre>
 * The file is {@link PrettyJson}, keys in the order above; a setting equal to host-local's
 * default is not written.
 */
public final class DefaultConflist {
    /** The cniVersion every runtime of the last years reads (1.1.0 needs libcni 1.2, containerd 2.0). */
    public static final String CNI_VERSION = "1.0.0";

    /** The subnet that makes host-local take the node's pod CIDR(s). */
    public static final String USE_POD_CIDR = "usePodCidr";

    private final String name;
    private String cniVersion = CNI_VERSION;
    private String subnet = USE_POD_CIDR;
    private boolean ipamDefaultRoute;
    private boolean defaultGateway;
    private boolean ipMasq;
    private int mtu;
    private String podCidrFile = NodeLayout.POD_CIDR_FILE;
    private String dataDir = NodeLayout.HOST_LOCAL_DATA_DIR;
    private boolean portmapSnat;
    private boolean networkPolicy;

    private DefaultConflist(String name) {
        this.name = name;
    }

    /** The conflist of network {@code name}, with the defaults. */
    public static DefaultConflist named(String name) {
        return new DefaultConflist(name);
    }

    /** The conflist's cniVersion; null keeps {@value #CNI_VERSION}. */
    public DefaultConflist cniVersion(String version) {
        this.cniVersion = version == null ? CNI_VERSION : version;
        return this;
    }

    /** host-local's one range: a CIDR, or {@value #USE_POD_CIDR} (the default). */
    public DefaultConflist subnet(String cidr) {
        this.subnet = cidr;
        return this;
    }

    /** A default route ({@code 0.0.0.0/0} or {@code ::/0}, by the subnet's family) in host-local's routes. */
    public DefaultConflist ipamDefaultRoute(boolean on) {
        this.ipamDefaultRoute = on;
        return this;
    }

    /** The bridge's {@code isDefaultGateway}: pods get their default route via cni0. */
    public DefaultConflist defaultGateway(boolean on) {
        this.defaultGateway = on;
        return this;
    }

    /** The bridge's {@code ipMasq}: it masquerades what pods send off the subnet. */
    public DefaultConflist ipMasq(boolean on) {
        this.ipMasq = on;
        return this;
    }

    /** The bridge's {@code mtu}; 0 (the default) leaves the plugin's own. */
    public DefaultConflist mtu(int bytes) {
        this.mtu = bytes;
        return this;
    }

    /** host-local's {@code podCidrFile}, written only when it is not {@value NodeLayout#POD_CIDR_FILE}. */
    public DefaultConflist podCidrFile(String path) {
        this.podCidrFile = path;
        return this;
    }

    /**
     * host-local's {@code dataDir}, written only when it is not {@value NodeLayout#HOST_LOCAL_DATA_DIR}
     * (so that the pods' reservations land where whoever reads them looks).
     */
    public DefaultConflist dataDir(String path) {
        this.dataDir = path;
        return this;
    }

    /** portmap's {@code snat}: hairpin and localhost traffic to a hostPort is masqueraded. */
    public DefaultConflist portmapSnat(boolean on) {
        this.portmapSnat = on;
        return this;
    }

    /**
     * The bridge's {@code "policy": {"type": "k8s"}}: as the Kubernetes "Network Plugins" page's
     * examples mark a network whose provider enforces NetworkPolicy.
     */
    public DefaultConflist networkPolicy(boolean on) {
        this.networkPolicy = on;
        return this;
    }

    /** The conflist as ordered maps and lists; a caller may change them (add a plugin, a key) before writing. */
    public Map<String, Object> toMap() {
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("type", "host-local");
        if (!NodeLayout.POD_CIDR_FILE.equals(podCidrFile)) {
            ipam.put("podCidrFile", podCidrFile);
        }
        if (!NodeLayout.HOST_LOCAL_DATA_DIR.equals(dataDir)) {
            ipam.put("dataDir", dataDir);
        }
        ipam.put("ranges", List.of(List.of(Map.of("subnet", subnet))));
        if (ipamDefaultRoute) {
            IpPrefix p = IpPrefix.tryParse(subnet);
            ipam.put("routes", List.of(Map.of("dst", p != null && p.isIPv6() ? "::/0" : "0.0.0.0/0")));
        }
        Map<String, Object> bridge = new LinkedHashMap<>();
        bridge.put("type", "bridge");
        bridge.put("bridge", "cni0");
        bridge.put("isGateway", true);
        if (defaultGateway) {
            bridge.put("isDefaultGateway", true);
        }
        bridge.put("ipMasq", ipMasq);
        bridge.put("hairpinMode", true);
        if (mtu > 0) {
            bridge.put("mtu", (long) mtu);
        }
        if (networkPolicy) {
            bridge.put("policy", Map.of("type", "k8s"));
        }
        bridge.put("ipam", ipam);
        Map<String, Object> portmap = new LinkedHashMap<>();
        portmap.put("type", "portmap");
        portmap.put("capabilities", Map.of("portMappings", true));
        if (portmapSnat) {
            portmap.put("snat", true);
        }
        Map<String, Object> bandwidth = new LinkedHashMap<>();
        bandwidth.put("type", "bandwidth");
        bandwidth.put("capabilities", Map.of("bandwidth", true));
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("cniVersion", cniVersion);
        list.put("name", name);
        list.put("plugins", new ArrayList<>(List.of(bridge, portmap, bandwidth)));
        return list;
    }

    /** The file's text. */
    public String json() {
        return PrettyJson.write(toMap()) + "\n";
    }

    /** The file name: {@code 10-<network>.conflist}, early in the lexical order runtimes use. */
    public static String fileName(String networkName) {
        return "10-" + networkName + ".conflist";
    }

    /**
     * {@code conflist} (a conflist file's text) with its top-level cniVersion replaced by
     * {@code cniVersion}, written compactly.
     *
     * @throws IOException when it is not a JSON object
     */
    public static String withCniVersion(String conflist, String cniVersion) throws IOException {
        JsonObject o;
        try {
            o = Json.parseObject(conflist);
        } catch (JsonException e) {
            throw new IOException(e.getMessage(), e);
        }
        o.put("cniVersion", cniVersion);
        return Json.write(o) + "\n";
    }
}
