package dev.cni4j.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The one default conflist builder, with the options cni4j install and the node agent use. */
class DefaultConflistTest {

    @Test
    void theDefaultsArePodCidrWithoutMasqueradeAtOneDotZero() {
        assertEquals("""
                {
                  "cniVersion": "1.0.0",
                  "name": "cni4j",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "cni0",
                      "isGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [
                          [
                            {
                              "subnet": "usePodCidr"
                            }
                          ]
                        ]
                      }
                    },
                    {
                      "type": "portmap",
                      "capabilities": {
                        "portMappings": true
                      }
                    },
                    {
                      "type": "bandwidth",
                      "capabilities": {
                        "bandwidth": true
                      }
                    }
                  ]
                }
                """, DefaultConflist.named("cni4j").json());
        assertEquals("10-cni4j.conflist", DefaultConflist.fileName("cni4j"));
    }

    /** What cni4j install writes for --subnet (the same text as before the builder was shared). */
    @Test
    void installsOptions() {
        JsonObject v6 = Json.parseObject(DefaultConflist.named("podnet")
                .cniVersion("1.1.0")
                .subnet("fd00:22::/64")
                .ipamDefaultRoute(true)
                .ipMasq(true)
                .json());
        assertEquals(
                "{\"cniVersion\":\"1.1.0\",\"name\":\"podnet\",\"plugins\":[{\"type\":\"bridge\",\"bridge\":\"cni0\","
                        + "\"isGateway\":true,\"ipMasq\":true,\"hairpinMode\":true,\"ipam\":{\"type\":\"host-local\",\"ranges\":"
                        + "[[{\"subnet\":\"fd00:22::/64\"}]],\"routes\":[{\"dst\":\"::/0\"}]}},{\"type\":\"portmap\",\"capabilities\":"
                        + "{\"portMappings\":true}},{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}]}",
                Json.write(v6));
        assertEquals(
                "0.0.0.0/0",
                Json.parseObject(DefaultConflist.named("n")
                                .subnet("10.22.0.0/16")
                                .ipamDefaultRoute(true)
                                .json())
                        .objects("plugins")
                        .getFirst()
                        .object("ipam")
                        .objects("routes")
                        .getFirst()
                        .string("dst"));
    }

    /** What the node agent writes: its paths only when they are not host-local's defaults. */
    @Test
    void theAgentsOptions() {
        JsonObject c = Json.parseObject(DefaultConflist.named("cni4j")
                .cniVersion(null)
                .defaultGateway(true)
                .mtu(1450)
                .podCidrFile("/var/run/x \"y\"")
                .dataDir("/tmp/node1/networks")
                .portmapSnat(true)
                .json());
        assertEquals(
                "{\"cniVersion\":\"1.0.0\",\"name\":\"cni4j\",\"plugins\":[{\"type\":\"bridge\",\"bridge\":\"cni0\","
                        + "\"isGateway\":true,\"isDefaultGateway\":true,\"ipMasq\":false,\"hairpinMode\":true,\"mtu\":1450,"
                        + "\"ipam\":{\"type\":\"host-local\",\"podCidrFile\":\"/var/run/x \\\"y\\\"\",\"dataDir\":\"/tmp/node1/networks\","
                        + "\"ranges\":[[{\"subnet\":\"usePodCidr\"}]]}},{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},"
                        + "\"snat\":true},{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}]}",
                Json.write(c));
        JsonObject defaults = Json.parseObject(DefaultConflist.named("cni4j")
                .podCidrFile(NodeLayout.POD_CIDR_FILE)
                .dataDir(NodeLayout.HOST_LOCAL_DATA_DIR)
                .json());
        assertEquals(
                "{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"usePodCidr\"}]]}",
                Json.write(defaults.objects("plugins").getFirst().object("ipam")));
    }

    @Test
    void conflistCniVersionReplacesAConflistFilesVersionOnly() throws IOException {
        String file =
                "{\"cniVersion\": \"1.1.0\", \"name\": \"mine\", \"plugins\": [{\"type\": \"bridge\", \"cniVersion\": \"x\"}]}";
        JsonObject c = Json.parseObject(DefaultConflist.withCniVersion(file, "0.4.0"));
        assertEquals("0.4.0", c.string("cniVersion"));
        assertEquals("mine", c.string("name"));
        assertEquals("x", c.objects("plugins").getFirst().string("cniVersion"), "only the top level");
        assertThrows(IOException.class, () -> DefaultConflist.withCniVersion("[1]", "1.0.0"));
        assertThrows(IOException.class, () -> DefaultConflist.withCniVersion("{", "1.0.0"));
    }
}
