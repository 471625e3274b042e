package dev.cni4j.agent;

import static dev.cni4j.agent.MultiNodePrivilegedTest.get;
import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.daemon.FastPathProtocol;
import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: the agent serves the plugins' fast path on its socket, for its node's namespace,
 * and its /metrics count the ADD and DEL calls (by result), their latency, the declines and the
 * IPAM reservations they make. The calls are the launcher's wire format, sent from the node.
 */
class FastPathPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    record Reply(byte status, int exit, String stdout, String stderr) {}

    @Test
    void podCallsServedByTheAgentAreCountedInItsMetrics(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                MockCluster api = new MockCluster()) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            Path node = cluster.nodes.get(1);
            Path socket = dir.resolve("cni4j-run/cni.sock");
            Map<String, String> settings = new HashMap<>(MockCluster.agentSettings("host-gw", 1, node, dir));
            settings.put("fastPathSocket", socket.toString());
            try (Agent a = Agent.start(AgentConfig.of(settings), api.client)) {
                assertTrue(
                        await(
                                Duration.ofSeconds(30),
                                () -> a.status().ready()
                                        && metric(a, "cni4j_fastpath_serving").equals("1")),
                        "agent ready and serving");
                Path conflist = dir.resolve("net.d/10-cni4j.conflist");
                byte[] conf = SimulatedCluster.bridgeConf(conflist, dir.resolve("networks"));
                NsId nodeNet = id(node), mnt = id(Path.of("/proc/thread-self/ns/mnt"));
                Path pod = cluster.net.newPod();

                Reply add = call(
                        socket,
                        new Request(
                                nodeNet,
                                mnt,
                                "bridge",
                                SimulatedCluster.bridgeEnv("ADD", "ctr1", pod, 1, dir.resolve("networks")),
                                conf));
                assertEquals(FastPathProtocol.ACCEPTED, add.status());
                assertEquals(0, add.exit(), add.stdout() + add.stderr());
                assertTrue(add.stdout().contains("\"address\":\"10.244.1.2/24\""), add.stdout());
                assertTrue(
                        cluster.net
                                .exec(pod, "ip", "-o", "addr", "show", "eth0")
                                .contains("10.244.1.2/24"),
                        "the plugin ran in the node: the pod is wired to its bridge");
                assertTrue(cluster.net
                        .exec(node, "ip", "-o", "link", "show", "cni0")
                        .contains("cni0"));
                assertEquals("1", metric(a, "cni4j_ipam_allocated_ips{network=\"cni4j\"}"));

                Reply bad = call(
                        socket,
                        new Request(
                                nodeNet,
                                mnt,
                                "bridge",
                                SimulatedCluster.bridgeEnv(
                                        "ADD", "ctr2", Path.of("/nonexistent"), 1, dir.resolve("networks")),
                                conf));
                assertEquals(1, bad.exit(), "a CNI error: " + bad.stdout());
                Reply elsewhere = call(socket, new Request(mnt, mnt, "bridge", Map.of("CNI_COMMAND", "VERSION"), conf));
                assertEquals(FastPathProtocol.DECLINED, elsewhere.status(), "a client outside the node namespace");

                Reply del = call(
                        socket,
                        new Request(
                                nodeNet,
                                mnt,
                                "bridge",
                                SimulatedCluster.bridgeEnv("DEL", "ctr1", pod, 1, dir.resolve("networks")),
                                conf));
                assertEquals(0, del.exit(), del.stdout() + del.stderr());
                assertEquals("0", metric(a, "cni4j_ipam_allocated_ips{network=\"cni4j\"}"));

                assertEquals(
                        "1",
                        metric(a, "cni4j_cni_requests_total{plugin=\"bridge\",command=\"ADD\",result=\"success\"}"));
                assertEquals(
                        "1", metric(a, "cni4j_cni_requests_total{plugin=\"bridge\",command=\"ADD\",result=\"error\"}"));
                assertEquals(
                        "1",
                        metric(a, "cni4j_cni_requests_total{plugin=\"bridge\",command=\"DEL\",result=\"success\"}"));
                assertEquals(
                        "2", metric(a, "cni4j_cni_request_duration_seconds_count{plugin=\"bridge\",command=\"ADD\"}"));
                assertEquals(
                        "2",
                        metric(
                                a,
                                "cni4j_cni_request_duration_seconds_bucket{plugin=\"bridge\",command=\"ADD\",le=\"+Inf\"}"));
                assertTrue(Double.parseDouble(
                                metric(a, "cni4j_cni_request_duration_seconds_sum{plugin=\"bridge\",command=\"DEL\"}"))
                        > 0);
                assertEquals("1", metric(a, "cni4j_fastpath_declined_total{reason=\"other_namespace\"}"));
            }
            assertFalse(Files.exists(socket), "the socket goes with the agent: launchers run standalone");
        }
    }

    /** The value of the sample named {@code series} (name and labels) in the agent's /metrics. */
    static String metric(Agent a, String series) {
        try {
            return get(a, "/metrics")
                    .lines()
                    .filter(l -> l.startsWith(series + " "))
                    .map(l -> l.substring(series.length() + 1))
                    .findFirst()
                    .orElse("(absent)");
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }

    static NsId id(Path nsFile) throws IOException {
        Map<String, Object> a = Files.readAttributes(nsFile, "unix:dev,ino");
        return new NsId((Long) a.get("dev"), (Long) a.get("ino"));
    }

    /** One call as the launcher makes it: the request, then 'A' or 'D', then exit code, stdout, stderr. */
    static Reply call(Path socket, Request request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(FastPathProtocol.encode(request));
            ByteBuffer reply = ByteBuffer.wrap(
                    java.nio.channels.Channels.newInputStream(ch).readAllBytes()); // until the daemon closes
            byte status = reply.get();
            if (status != FastPathProtocol.ACCEPTED) {
                return new Reply(status, -1, "", "");
            }
            int exit = reply.getInt();
            return new Reply(status, exit, text(reply), text(reply));
        }
    }

    private static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
