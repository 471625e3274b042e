package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static dev.cni4j.agent.SimulatedCluster.routes;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: {@code AgentMain run} as its own JVM (config file + NODE_NAME), serving the fast
 * path on its socket (nft through libnftables, as in production), stopped with SIGTERM: it
 * removes its socket, leaves routes, device and conflist in place and logs JSON lines only. Then
 * {@code AgentMain uninstall} removes what the agent put on the node.
 */
class AgentProcessPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void sigtermLeavesNetworkingUninstallRemovesIt(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            var n2 = MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2");
            n2.getMetadata().setAnnotations(java.util.Map.of(ClusterNode.VTEP_MAC, "0e:00:00:00:00:02"));
            api.create(n2);
            Path node = cluster.nodes.get(1);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            var settings = MockCluster.agentSettings("vxlan", 1, node, dir);
            settings.remove("nodeName"); // from NODE_NAME, as in the DaemonSet
            settings.put("healthAddress", "127.0.0.1:" + port);
            Path socket = dir.resolve("cni4j-run/cni.sock");
            settings.put("fastPathSocket", socket.toString());
            StringBuilder props = new StringBuilder();
            settings.forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
            Path config = Files.writeString(dir.resolve("agent.properties"), props);

            Process agent = java(api, "run", "--config", config.toString());
            ByteArrayOutputStream stderr = drain(agent.getErrorStream());
            try {
                assertTrue(await(Duration.ofSeconds(30), () -> readyz(port) == 200), "ready; stderr:\n" + stderr);
                assertTrue(routes(node).contains("10.244.2.0/24"));
                assertTrue(
                        await(Duration.ofSeconds(30), () -> Files.exists(socket)),
                        "fast path serving; stderr:\n" + stderr);
            } finally {
                agent.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its stderr
                assertTrue(agent.waitFor(15, TimeUnit.SECONDS), "stops on SIGTERM");
            }
            String log = stderr.toString(StandardCharsets.UTF_8);
            for (String line : log.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                var json = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
                        .readTree(line);
                assertEquals("node1", json.get("node").asString(), line);
            }
            assertTrue(
                    log.contains("\"msg\":\"stopping; routes and pod networking left in place\""),
                    "exit " + agent.exitValue() + "\n" + log);
            assertTrue(log.contains("\"msg\":\"fast path serving\"") && log.contains("nft through libnftables"), log);
            assertFalse(Files.exists(socket), "the socket goes with the agent: launchers run standalone");
            assertTrue(routes(node).contains("10.244.2.0/24"), "routes survive the agent");
            assertTrue(Files.exists(dir.resolve("net.d/10-cni4j.conflist")));
            assertTrue(cluster.net.exec(node, "nft", "list", "tables").contains("cni4j_agent"));

            Process uninstall = java(api, "uninstall", "--config", config.toString());
            ByteArrayOutputStream uninstallErr = drain(uninstall.getErrorStream());
            assertTrue(uninstall.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, uninstall.exitValue(), uninstallErr.toString(StandardCharsets.UTF_8));
            assertFalse(Files.exists(dir.resolve("net.d/10-cni4j.conflist")));
            assertFalse(Files.exists(dir.resolve("podcidr")));
            assertFalse(routes(node).contains("10.244.2.0/24"));
            assertFalse(cluster.net.exec(node, "nft", "list", "tables").contains("cni4j_agent"));
            try (NetNs ns = NetNs.open(node);
                    Rtnl rtnl = Rtnl.open(ns)) {
                assertTrue(rtnl.links().get("cni4j.1").isEmpty());
            }
        }
    }

    static Process java(MockCluster api, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dkubernetes.master=" + api.client.getConfiguration().getMasterUrl(),
                "-Dkubernetes.auth.tryKubeConfig=false",
                "-Dkubernetes.auth.tryServiceAccount=false",
                AgentMain.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("NODE_NAME", "node1");
        return pb.start();
    }

    /** Collects a stream; toString() after the process ended waits for the last bytes. */
    private static final class Drained extends ByteArrayOutputStream {
        Thread reader;

        @Override
        public String toString(java.nio.charset.Charset cs) {
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.toString(cs);
        }
    }

    private static ByteArrayOutputStream drain(InputStream in) {
        Drained out = new Drained();
        out.reader = Thread.ofPlatform().daemon().start(() -> {
            try (in) {
                in.transferTo(out);
            } catch (java.io.IOException ignored) {
                // process ended
            }
        });
        return out;
    }

    static int readyz(int port) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
