package dev.cni4j.agent;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.node.NodeLayout;
import java.io.IOException;

/**
 * The conflist the agent writes unless the configuration supplies one: bridge (cni0, gateway,
 * hairpin, host-local over the node's pod CIDR), portmap and bandwidth. ipMasq is off because
 * the agent masquerades egress for the whole cluster CIDR itself; per-pod masquerade would also
 * hide pod addresses from pods on other nodes. isDefaultGateway gives pods their default route
 * via cni0: with isGateway alone (and no ipam routes) a pod only reaches its own node's subnet.
 * It says cniVersion {@value #CNI_VERSION} unless told otherwise: libcni before 1.2 (containerd 1.6
 * and 1.7, older CRI-O) rejects every 1.1.0 result with "unsupported CNI result version".
 */
public final class DefaultConflist {
    private DefaultConflist() {}

    /** The cniVersion every runtime of the last years reads (1.1.0 needs libcni 1.2, containerd 2.0). */
    public static final String CNI_VERSION = "1.0.0";

    /**
     * The conflist for network {@code name} at {@code cniVersion} (null: {@value #CNI_VERSION});
     * {@code mtu} 0 leaves the bridge plugin's default; {@code podCidrFile} and host-local's {@code dataDir} are named in the ipam section only
     * when they are not the defaults (so the pods' reservations land where the agent's IPAM
     * metric reads them).
     */
    public static String json(String name, String cniVersion, int mtu, String podCidrFile, String dataDir) {
        return """
                {
                  "cniVersion": "%s",
                  "name": "%s",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "cni0",
                      "isGateway": true,
                      "isDefaultGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,%s
                      "ipam": {
                        "type": "host-local",%s%s
                        "ranges": [[{"subnet": "usePodCidr"}]]
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
                    {"type": "bandwidth", "capabilities": {"bandwidth": true}}
                  ]
                }
                """.formatted(cniVersion == null ? CNI_VERSION : cniVersion, name,
                mtu > 0 ? "\n      \"mtu\": " + mtu + "," : "",
                NodeLayout.POD_CIDR_FILE.equals(podCidrFile) ? ""
                        : "\n        \"podCidrFile\": " + JsonLog.quote(new StringBuilder(), podCidrFile) + ",",
                NodeLayout.HOST_LOCAL_DATA_DIR.equals(dataDir) ? ""
                        : "\n        \"dataDir\": " + JsonLog.quote(new StringBuilder(), dataDir) + ",");
    }

    /**
     * {@code conflist} (a conflistFile's text) with its top-level cniVersion replaced by
     * {@code cniVersion} (the conflistCniVersion setting), written compactly.
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
