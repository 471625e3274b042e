package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestConfigTest {
    private static NetworkConfigList list(String plugin) {
        return NetworkConfigParser.parseList(
                ("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[" + plugin + "]}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static RuntimeConf rt(Map<String, Object> caps) {
        return new RuntimeConf("c1", "/run/netns/x", "eth0", List.of(), caps);
    }

    @Test
    void injectsOnlyDeclaredTrueCapabilitiesTheCallerSupplied() {
        NetworkConfigList l = list(
                "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true,\"bandwidth\":false,\"ipRanges\":true}}");
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("portMappings", List.of(Map.of("hostPort", 8080L, "containerPort", 80L, "protocol", "tcp")));
        caps.put("bandwidth", Map.of("ingressRate", 1000L));
        caps.put("mac", "c2:11:22:33:44:55");

        JsonObject conf = RequestConfig.forAttachment(l, l.plugins().get(0), null, rt(caps));

        JsonObject rc = conf.object("runtimeConfig");
        assertEquals(List.of("portMappings"), List.copyOf(rc.keySet()));
        assertEquals(8080L, rc.objects("portMappings").get(0).integer("hostPort"));
        assertNull(conf.get("prevResult"));
    }

    @Test
    void capabilityNamesMatchCaseInsensitivelyUnderThePluginsSpelling() {
        // containerd's go-cni sends Go field names for the keys and the values.
        NetworkConfigList l =
                list("{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true,\"bandwidth\":true}}");
        Map<String, Object> caps = Map.of(
                "PortMappings",
                        List.of(Map.of("HostPort", 8080L, "ContainerPort", 80L, "Protocol", "tcp", "HostIP", "")),
                "Bandwidth", Map.of("IngressRate", 1000L));

        JsonObject rc = RequestConfig.forAttachment(l, l.plugins().get(0), null, rt(caps))
                .object("runtimeConfig");

        assertTrue(rc.containsKey("portMappings"));
        assertTrue(rc.containsKey("bandwidth"));
        assertEquals(8080L, rc.objects("portMappings").get(0).integer("hostPort"));
    }

    @Test
    void noRuntimeConfigWhenNothingMatches() {
        NetworkConfigList l = list("{\"type\":\"bridge\"}");
        JsonObject conf =
                RequestConfig.forAttachment(l, l.plugins().get(0), null, rt(Map.of("portMappings", List.of())));
        assertFalse(conf.containsKey("runtimeConfig"));
    }

    @Test
    void nameAndVersionAreOverwrittenAndEverythingElsePassesThrough() {
        NetworkConfigList l = list(
                "{\"type\":\"bridge\",\"name\":\"mine\",\"cniVersion\":\"0.3.1\",\"bridge\":\"cni0\","
                        + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.1.0.0/16\"},\"capabilities\":{\"mac\":true}}");
        JsonObject prev = Json.parseObject("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.5/16\"}]}");

        JsonObject conf = RequestConfig.forAttachment(l, l.plugins().get(0), prev, rt(Map.of()));

        assertEquals("net", conf.string("name"));
        assertEquals("1.0.0", conf.string("cniVersion"));
        assertEquals("cni0", conf.string("bridge"));
        assertEquals("host-local", conf.object("ipam").string("type"));
        assertEquals(Map.of("mac", true), conf.object("capabilities"));
        assertEquals(prev, conf.object("prevResult"));
        // The plugin config itself is untouched (lists are shared between threads).
        assertEquals("mine", l.plugins().get(0).json().string("name"));
    }
}
