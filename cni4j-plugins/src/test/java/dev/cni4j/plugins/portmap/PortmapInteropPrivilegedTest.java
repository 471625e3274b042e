package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.json.Json;
import dev.cni4j.plugins.bandwidth.InProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hand-over with the reference portmap (Debian's /usr/lib/cni/portmap, iptables): either one
 * removes the other's rules, because chain names, comments and the mark are the same. Also the
 * per-backend {@code conditionsV4}.
 */
class PortmapInteropPrivilegedTest extends HostPortTestBase {
    static final Path REFERENCE = Path.of("/usr/lib/cni/portmap");
    static final String MAPPINGS =
            "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}";

    @BeforeEach
    void setUp() {
        startNode("ionet", "cni4jio0", "10.244.13.0/24", "pod-i");
        echo.tcpServer(pod.netns(), "pod", 80);
    }

    private void ours(String command, String conf) {
        net.runInNode(() -> InProcess.run(
                        Portmap::new, command, "pod-i", pod.netns().toString(), "eth0", conf))
                .assertSuccess();
    }

    private String reference(String command, String conf) {
        Map<String, String> env = Map.of(
                "CNI_COMMAND",
                command,
                "CNI_CONTAINERID",
                "pod-i",
                "CNI_NETNS",
                pod.netns().toString(),
                "CNI_IFNAME",
                "eth0",
                "CNI_PATH",
                "/usr/lib/cni");
        return net.runInNode(() -> {
            try {
                ProcessBuilder pb = new ProcessBuilder(REFERENCE.toString());
                pb.environment().clear();
                pb.environment().putAll(env);
                pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
                Process p = pb.start();
                try (OutputStream in = p.getOutputStream()) {
                    in.write(conf.getBytes(StandardCharsets.UTF_8));
                }
                String out;
                try (InputStream o = p.getInputStream()) {
                    out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
                }
                assertEquals(0, p.waitFor(), out);
                return out;
            } catch (java.io.IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private String iptables() {
        return net.execInNode("iptables-save", "-t", "nat");
    }

    @Test
    void referenceDelRemovesOurIptablesRules() {
        assumeTrue(Files.isExecutable(REFERENCE));
        String conf = bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"iptables\"," + MAPPINGS, pod);
        ours("ADD", conf);
        String chain = PortMappingRules.dnatChain("ionet", "pod-i");
        assertTrue(iptables().contains(":" + chain), iptables());
        assertEquals("pod:ping", echo.tcp(outside, "192.0.2.1", 8080));
        reference("DEL", bridge.chained("1.0.0", "\"type\":\"portmap\"," + MAPPINGS, pod));
        assertFalse(iptables().contains(chain), iptables());
        assertNull(echo.tcp(outside, "192.0.2.1", 8080));
    }

    @Test
    void ourDelWithoutMappingsRemovesTheReferencesRules() {
        assumeTrue(Files.isExecutable(REFERENCE));
        String out = reference("ADD", bridge.chained("1.0.0", "\"type\":\"portmap\"," + MAPPINGS, pod));
        assertEquals(
                pod.ip(),
                Json.parseObject(out).objects("ips").get(0).string("address").split("/")[0]);
        String chain = PortMappingRules.dnatChain("ionet", "pod-i");
        assertTrue(iptables().contains(":" + chain), "same chain name as the reference: " + iptables());
        assertEquals("pod:ping", echo.tcp(outside, "192.0.2.1", 8080));
        ours("CHECK", bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"iptables\"," + MAPPINGS, pod));
        // no backend in the config: the node's default (nftables here) is cleaned, then iptables too
        ours("DEL", bridge.chained("1.0.0", "\"type\":\"portmap\"", null));
        assertFalse(iptables().contains(chain), iptables());
        assertNull(echo.tcp(outside, "192.0.2.1", 8080));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {"nftables;[\"ip\",\"saddr\",\"!=\",\"192.0.2.0/24\"]", "iptables;[\"!\",\"-s\",\"192.0.2.0/24\"]"})
    void conditionsExcludeSources(String backend, String conditions) {
        String conf = bridge.chained(
                "1.0.0",
                "\"type\":\"portmap\",\"backend\":\"" + backend + "\",\"conditionsV4\":" + conditions + "," + MAPPINGS,
                pod);
        ours("ADD", conf);
        ours("CHECK", conf);
        assertNull(echo.tcp(outside, "192.0.2.1", 8080), "192.0.2.0/24 is excluded");
        assertEquals("pod:ping", echo.tcp(net.node(), "10.244.13.1", 8080), "from the bridge address");
        ours("DEL", bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"" + backend + "\"", null));
        String all = net.execInNode("nft", "list", "ruleset");
        assertFalse(all.contains("ionet/pod-i") || all.contains(PortMappingRules.dnatChain("ionet", "pod-i")), all);
    }
}
