package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: the agent as its own JVM inside node1's namespace, talking to the API server over
 * the simulated network (the mock API relayed from the router's 192.168.50.254), so its watch
 * connection really starts from node1's underlay address. The address moves under the running
 * agent (192.168.50.1 → .11) before the Node's status follows, as when a DHCP lease changes:
 * the old connection is dead and nothing tells either end. The agent must report the missing
 * underlay on /readyz, restart its watch, and see the Node's new InternalIP within 30 s.
 */
class UnderlayMovePrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void nextNodeChangeIsSeenWithin30sAfterTheUnderlayAddressMoves(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster();
                Relay relay = new Relay(cluster.router, "192.168.50.254", api.server.getPort())) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            api.create(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"));
            Path node = cluster.nodes.get(1);
            Map<String, String> settings = MockCluster.agentSettings("vxlan", 1, node, dir);
            settings.remove("netns"); // the process itself runs in the node's namespace
            settings.put("healthAddress", "127.0.0.1:9876");
            StringBuilder props = new StringBuilder();
            settings.forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
            Path config = Files.writeString(dir.resolve("agent.properties"), props);

            Process agent = cluster.net.runIn(node, () -> java("http://192.168.50.254:" + relay.port(), config));
            ByteArrayOutputStream stderr = drain(agent.getErrorStream());
            try {
                assertTrue(
                        await(
                                Duration.ofSeconds(60),
                                () -> readyz(cluster, node).startsWith("ok")),
                        readyz(cluster, node) + "\nstderr:\n" + stderr);
                assertEquals("192.168.50.1", publicIp(api));

                // the address goes first; the Node's status follows later. The new address is a
                // secondary one of the same subnet: promoted (with the default route kept) when the
                // primary goes, instead of going with it
                try (NetNs ns = NetNs.open(node)) {
                    dev.cni4j.linux.Sysctl.set(ns, "net/ipv4/conf/eth0/promote_secondaries", "1");
                }
                SimulatedCluster.address(node, "eth0", "192.168.50.11/24");
                try (NetNs ns = NetNs.open(node);
                        Rtnl rtnl = Rtnl.open(ns)) {
                    rtnl.addresses()
                            .delete(rtnl.links().require("eth0").index(), SimulatedCluster.ip("192.168.50.1"), 24);
                }
                assertTrue(
                        await(
                                Duration.ofSeconds(30),
                                () -> readyz(cluster, node)
                                        .contains("no interface holds the underlay address 192.168.50.1")),
                        "says why on /readyz: " + readyz(cluster, node) + "\nstderr:\n" + stderr);

                long t0 = System.nanoTime();
                api.setInternalIps("node1", "192.168.50.11");
                assertTrue(
                        await(Duration.ofSeconds(30), () -> "192.168.50.11".equals(publicIp(api))),
                        "the Node change is seen and acted on within 30 s; stderr:\n" + stderr);
                System.err.println("new InternalIP acted on after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                assertTrue(
                        await(
                                Duration.ofSeconds(30),
                                () -> readyz(cluster, node).startsWith("ok")),
                        readyz(cluster, node));
                String log = stderr.toString(StandardCharsets.UTF_8);
                assertTrue(
                        log.contains(
                                "\"msg\":\"restarted the Node watch\",\"reason\":\"local address 192.168.50.1 removed\""),
                        log);
                assertEquals(
                        1,
                        log.split("\"msg\":\"reconcile failed, retrying\"", -1).length - 1,
                        "the underlay error is logged once, not at every retry:\n" + log);
            } finally {
                agent.toHandle().destroy();
                if (!agent.waitFor(15, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
        }
    }

    private static String publicIp(MockCluster api) {
        var ann = api.client.nodes().withName("node1").get().getMetadata().getAnnotations();
        return ann == null ? null : ann.get(ClusterNode.PUBLIC_IP);
    }

    /** /readyz of the agent in {@code node}, fetched from inside that namespace. */
    private static String readyz(SimulatedCluster cluster, Path node) {
        try {
            return cluster.net.exec(node, "curl", "-s", "http://127.0.0.1:9876/readyz");
        } catch (IllegalStateException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    private static Process java(String master, Path config) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dkubernetes.master=" + master,
                "-Dkubernetes.auth.tryKubeConfig=false",
                "-Dkubernetes.auth.tryServiceAccount=false",
                AgentMain.class.getName(),
                "run",
                "--config",
                config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("NODE_NAME", "node1");
        return pb.start();
    }

    private static ByteArrayOutputStream drain(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public synchronized String toString(java.nio.charset.Charset cs) {
                return super.toString(cs);
            }
        };
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (out) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        return out;
    }

    /**
     * A TCP relay: listens on {@code address} inside namespace {@code ns} and connects each
     * connection on to 127.0.0.1:{@code targetPort} of the test's own namespace, byte for byte.
     * A connection whose client has gone quiet stays open here too, as at a real API server.
     */
    static final class Relay implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        Relay(Path ns, String address, int targetPort) throws IOException {
            try (NetNs n = NetNs.open(ns)) {
                server = n.run(() -> new ServerSocket(0, 50, InetAddress.ofLiteral(address)));
            }
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket in = server.accept();
                        Socket out =
                                new Socket(InetAddress.getLoopbackAddress(), targetPort); // from the test's namespace
                        sockets.add(in);
                        sockets.add(out);
                        pipe(in, out);
                        pipe(out, in);
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private static void pipe(Socket from, Socket to) {
            Thread.ofPlatform().daemon().start(() -> {
                try (InputStream i = from.getInputStream();
                        OutputStream o = to.getOutputStream()) {
                    i.transferTo(o);
                } catch (IOException e) {
                    // one side closed
                } finally {
                    try {
                        to.shutdownOutput();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            });
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
