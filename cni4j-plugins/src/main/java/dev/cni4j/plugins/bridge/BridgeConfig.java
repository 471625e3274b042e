package dev.cni4j.plugins.bridge;

import dev.cni4j.json.JsonObject;
import dev.cni4j.skel.Names;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.Result;
import java.util.ArrayList;
import java.util.List;

/**
 * The bridge plugin's options, with the reference plugin's keys and defaults, validated before
 * anything is created. Keys match case-insensitively, as Go's decoder does.
 */
record BridgeConfig(
        String bridge,
        boolean isGateway,
        boolean isDefaultGateway,
        boolean forceAddress,
        boolean ipMasq,
        String ipMasqBackend,
        int mtu,
        boolean hairpinMode,
        boolean promiscMode,
        int vlan,
        List<int[]> vlanTrunk,
        boolean preserveDefaultVlan,
        boolean enableDad,
        boolean macSpoofCheck,
        boolean disableContainerInterface,
        boolean portIsolation,
        String ipamType,
        Result.Dns dns,
        String mac) {

    static final List<String> CNI_ARGS_KEYS =
            List.of("MAC", "K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID");

    static BridgeConfig parse(Request request) {
        JsonObject c = request.config();
        String bridge = c.string("bridge", "cni0");
        String bad = Names.interfaceNameProblem(bridge);
        if (bad != null) {
            throw CniException.invalidConfig("invalid bridge name \"" + bridge + "\": " + bad);
        }
        boolean isDefaultGateway = flag(c, "isDefaultGateway");
        boolean isGateway = flag(c, "isGateway") || isDefaultGateway;
        boolean hairpin = flag(c, "hairpinMode");
        boolean promisc = flag(c, "promiscMode");
        if (hairpin && promisc) {
            throw CniException.invalidConfig("cannot set hairpin mode and promiscuous mode at the same time");
        }
        String backend = c.string("ipMasqBackend");
        if (backend != null && !backend.equals("iptables") && !backend.equals("nftables")) {
            throw CniException.invalidConfig(
                    "unknown ipMasqBackend \"" + backend + "\": use \"iptables\" or \"nftables\"");
        }
        long mtu = c.integer("mtu", 0);
        if (mtu < 0 || mtu > 65535) {
            throw CniException.invalidConfig("invalid mtu " + mtu);
        }
        long vlan = c.integer("vlan", 0);
        if (vlan < 0 || vlan > 4094) {
            throw CniException.invalidConfig("invalid VLAN ID " + vlan + " (must be between 0 and 4094)");
        }
        JsonObject ipam = c.object("ipam");
        String ipamType = ipam == null ? "" : ipam.string("type", "");
        boolean disableContainerInterface = flag(c, "disableContainerInterface");
        if (disableContainerInterface && !ipamType.isEmpty()) {
            throw CniException.invalidConfig("cannot use IPAM when disableContainerInterface is set");
        }
        return new BridgeConfig(
                bridge,
                isGateway,
                isDefaultGateway,
                flag(c, "forceAddress"),
                flag(c, "ipMasq"),
                backend,
                (int) mtu,
                hairpin,
                promisc,
                (int) vlan,
                vlanTrunk(c),
                flag(c, "preserveDefaultVlan"),
                flag(c, "enabledad"),
                flag(c, "macspoofchk"),
                disableContainerInterface,
                flag(c, "portIsolation"),
                ipamType,
                dns(c.object("dns")),
                mac(request));
    }

    /**
     * A boolean option; the strings "true"/"false" are accepted too (the reference docs show "portIsolation": "true").
     */
    private static boolean flag(JsonObject c, String key) {
        Object v = c.find(key);
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        return c.bool(key, false);
    }

    private static List<int[]> vlanTrunk(JsonObject c) {
        List<JsonObject> raw = c.objects("vlanTrunk");
        List<int[]> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (JsonObject t : raw) {
            Long id = t.integer("id");
            Long min = t.integer("minID");
            Long max = t.integer("maxID");
            if (id != null) {
                checkVid(id);
                out.add(new int[] {id.intValue(), id.intValue()});
            }
            if (min != null || max != null) {
                if (min == null || max == null) {
                    throw CniException.invalidConfig("vlanTrunk: minID and maxID must both be set");
                }
                checkVid(min);
                checkVid(max);
                if (min > max) {
                    throw CniException.invalidConfig("vlanTrunk: minID " + min + " is greater than maxID " + max);
                }
                out.add(new int[] {min.intValue(), max.intValue()});
            }
        }
        return out;
    }

    private static void checkVid(long vid) {
        if (vid < 1 || vid > 4094) {
            throw CniException.invalidConfig("vlanTrunk: invalid VLAN ID " + vid + " (must be between 1 and 4094)");
        }
    }

    private static Result.Dns dns(JsonObject d) {
        if (d == null) {
            return null;
        }
        return new Result.Dns(d.strings("nameservers"), d.string("domain"), d.strings("search"), d.strings("options"));
    }

    /** The container MAC: runtimeConfig.mac, then args.cni.mac, then CNI_ARGS MAC (the reference's order). */
    private static String mac(Request request) {
        String mac = request.runtimeConfig().string("mac");
        if (mac == null) {
            JsonObject args = request.config().object("args");
            JsonObject cni = args == null ? null : args.object("cni");
            mac = cni == null ? null : cni.string("mac");
        }
        if (mac == null) {
            mac = request.args(CNI_ARGS_KEYS).get("MAC");
        }
        if (mac != null && !mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw CniException.invalidConfig("invalid MAC address \"" + mac + "\"");
        }
        return mac;
    }

    boolean hasVlans() {
        return vlan != 0 || !vlanTrunk.isEmpty();
    }

    boolean hasIpam() {
        return !ipamType.isEmpty();
    }
}
