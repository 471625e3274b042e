package dev.cni4j.agent;

/**
 * The conflist the agent writes unless the configuration supplies one: bridge (cni0, gateway,
 * hairpin, host-local over the node's pod CIDR), portmap and bandwidth. ipMasq is off because
 * the agent masquerades egress for the whole cluster CIDR itself; per-pod masquerade would also
 * hide pod addresses from pods on other nodes. isDefaultGateway gives pods their default route
 * via cni0: with isGateway alone (and no ipam routes) a pod only reaches its own node's subnet.
 */
public final class DefaultConflist {
    private DefaultConflist() {}

    /** Where host-local looks for the pod CIDR file unless the ipam config says otherwise. */
    public static final String DEFAULT_POD_CIDR_FILE = "/run/cni4j/podcidr";

    /** Where host-local keeps its reservations unless the ipam config says otherwise. */
    public static final String DEFAULT_DATA_DIR = "/var/lib/cni/networks";

    /**
     * The conflist for network {@code name}; {@code mtu} 0 leaves the bridge plugin's default;
     * {@code podCidrFile} and host-local's {@code dataDir} are named in the ipam section only
     * when they are not the defaults (so the pods' reservations land where the agent's IPAM
     * metric reads them).
     */
    public static String json(String name, int mtu, String podCidrFile, String dataDir) {
        return json(name, mtu, podCidrFile, dataDir, false);
    }

    /**
     * As {@link #json(String, int, String, String)}; {@code networkPolicy} adds
     * {@code "policy": {"type": "k8s"}} to the bridge plugin, as the Kubernetes "Network Plugins"
     * page's examples mark a network whose provider enforces NetworkPolicy.
     */
    public static String json(String name, int mtu, String podCidrFile, String dataDir, boolean networkPolicy) {
        return """
                {
                  "cniVersion": "1.1.0",
                  "name": "%s",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "cni0",
                      "isGateway": true,
                      "isDefaultGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,%s%s
                      "ipam": {
                        "type": "host-local",%s%s
                        "ranges": [[{"subnet": "usePodCidr"}]]
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
                    {"type": "bandwidth", "capabilities": {"bandwidth": true}}
                  ]
                }
                """.formatted(name, mtu > 0 ? "\n      \"mtu\": " + mtu + "," : "",
                networkPolicy ? "\n      \"policy\": {\"type\": \"k8s\"}," : "",
                DEFAULT_POD_CIDR_FILE.equals(podCidrFile) ? ""
                        : "\n        \"podCidrFile\": " + JsonLog.quote(new StringBuilder(), podCidrFile) + ",",
                DEFAULT_DATA_DIR.equals(dataDir) ? ""
                        : "\n        \"dataDir\": " + JsonLog.quote(new StringBuilder(), dataDir) + ",");
    }
}
