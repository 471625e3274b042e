package dev.cni4j.agent;

import static dev.cni4j.agent.NetworkPolicyPrivilegedTest.*;
import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.NetworkPolicyPrivilegedTest.TestPod;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: what a policy change does to connections established before it, against the real
 * kernel (one host-gw node, its agent, pods x/a (server), x/b and x/c (clients) on the bridge).
 * A policy then isolates x/a for ingress and allows only pod=c. With
 * {@code networkPolicyEstablished=keep} (the default) b's open connection keeps flowing; with
 * {@code cut} it is cut (its conntrack entry deleted: what b sends no longer arrives, nor does
 * what a sends back), while c's allowed connection survives. Also the drop log rule
 * ({@code networkPolicyLogDrops}) in the table, and {@code /policy/drops}.
 */
class PolicyEstablishedPrivilegedTest {
    private static final int PORT = 90;

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void establishedConnectionsSurviveAPolicyChangeByDefault(@TempDir Path dir) throws Exception {
        run(dir, Map.of(), (ctx) -> {
            assertTrue(ctx.b.echoes("after"), "keep: b's connection established before the deny still flows");
            assertTrue(ctx.c.echoes("after"), "c's allowed connection flows");
            assertEquals(0, ctx.agent.policy().connectionsCut.get());
            String table = ctx.table();
            assertFalse(table.contains(" log ") || table.contains("isolated_v4"), table);
            assertEquals(
                    "{}",
                    MultiNodePrivilegedTest.get(ctx.agent, "/policy/drops").trim(),
                    "no drop log, no prefixes");
        });
    }

    @Test
    void cutDeletesTheConnectionsTheNewPolicyDenies(@TempDir Path dir) throws Exception {
        run(dir, Map.of("networkPolicyEstablished", "cut", "networkPolicyLogDrops", "3"), (ctx) -> {
            long cutAfter = ctx.waitCut();
            assertFalse(ctx.b.echoes("after"), "cut: what b sends no longer arrives (the next send gets no echo)");
            assertTrue(ctx.c.echoes("after"), "c's allowed connection survives the cut");
            // the server side sending first must not bring b's connection back through conntrack's mid-stream pick-up
            ctx.server.sendToAll("push\n");
            assertFalse(ctx.b.receives("push"), "what a sends to b after the cut does not arrive");
            assertTrue(ctx.c.receives("push"), "c still gets a's data");
            System.out.println("established connection cut " + cutAfter + " ms after the policy was written");
            assertTrue(cutAfter <= 2000, "cut " + cutAfter + " ms after the policy was written (<= 2 s)");

            // the drop log: one rate-limited log rule before each pod chain's drop, its prefix resolved by
            // /policy/drops
            String table = ctx.table();
            String chain = table.lines()
                    .filter(l -> l.contains("log prefix"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(table));
            assertTrue(
                    chain.strip()
                            .matches("limit rate 3/second burst 3 packets log prefix \"cni4j-drop q[0-9a-f]{16}_in \""),
                    chain);
            assertEquals(
                    1, table.lines().filter(l -> l.contains("log prefix")).count(), "only x/a is isolated: " + table);
            String prefix = chain.substring(chain.indexOf('"') + 1, chain.lastIndexOf('"'))
                    .strip();
            String drops = MultiNodePrivilegedTest.get(ctx.agent, "/policy/drops");
            assertTrue(drops.contains("\"" + prefix + "\":\"x/a ingress\""), drops);
        });
    }

    interface Scenario {
        void run(Context ctx) throws Exception;
    }

    /** Pods, the server, both clients connected, then the policy written; the scenario decides what must hold. */
    private static void run(Path dir, Map<String, String> extra, Scenario scenario) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                MockCluster api = new MockCluster()) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", SimulatedCluster.nodeIp(1)));
            namespace(api, "x", Map.of());
            Map<String, String> s = new HashMap<>(settings(cluster, dir, 1));
            s.putAll(extra);
            Map<Integer, Agent> agents = new HashMap<>();
            Agent agent = Agent.start(AgentConfig.of(s), api.client);
            agents.put(1, agent);
            try (agent) {
                assertTrue(
                        await(
                                Duration.ofSeconds(20),
                                () -> agent.status().ready() && agent.policy().compiled() != null),
                        agent.status().blocking().toString());
                TestPod a = pod(cluster, api, agents, dir, "x", "a", 1),
                        b = pod(cluster, api, agents, dir, "x", "b", 1);
                TestPod c = pod(cluster, api, agents, dir, "x", "c", 1);
                List<AutoCloseable> probes = serve(a);
                try (Server server = new Server(a.netns());
                        Client toB = new Client(b, a);
                        Client toC = new Client(c, a)) {
                    assertTrue(toB.echoes("before") && toC.echoes("before"), "both connections flow before the policy");
                    assertTrue(tcp(b, a, 80), "and new ones");
                    NetworkPolicy onlyC = policy("x", "only-from-c", Map.of("pod", "a"), List.of("Ingress"));
                    onlyC.getSpec()
                            .setIngress(List.of(new NetworkPolicyIngressRuleBuilder()
                                    .withFrom(new NetworkPolicyPeerBuilder()
                                            .withPodSelector(selector(Map.of("pod", "c")))
                                            .build())
                                    .build()));
                    long written = System.nanoTime();
                    AtomicLong firstCut = new AtomicLong();
                    Thread.ofPlatform().daemon().start(() -> {
                        long end = written + Duration.ofSeconds(20).toNanos();
                        while (firstCut.get() == 0 && System.nanoTime() < end) {
                            if (agent.policy().connectionsCut.get() > 0) {
                                firstCut.set(System.nanoTime());
                            }
                            try {
                                Thread.sleep(10);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                    api.client.resource(onlyC).create();
                    assertTrue(eventually(() -> !tcp(b, a, 80)), "new connections b -> a are denied");
                    assertTrue(tcp(c, a, 80), "new connections c -> a are allowed");
                    scenario.run(new Context(agent, cluster, server, toB, toC, written, firstCut));
                } finally {
                    for (AutoCloseable p : probes) {
                        p.close();
                    }
                }
            }
        }
    }

    /**
     * @param firstCut System.nanoTime() when the agent had first cut a connection (0: not yet), polled every 10 ms
     * from the write
     */
    record Context(
            Agent agent,
            SimulatedCluster cluster,
            Server server,
            Client b,
            Client c,
            long written,
            AtomicLong firstCut) {
        /** Milliseconds from the policy write to the agent's first cut (it is counted after the delete). */
        long waitCut() throws InterruptedException {
            assertTrue(await(ENFORCED, () -> firstCut.get() != 0), "no connection cut");
            return (firstCut.get() - written) / 1_000_000;
        }

        String table() {
            try (NetNs ns = NetNs.open(cluster.nodes.get(1))) {
                Nft.Result r = Nft.tryRun(ns, "list table inet cni4j_policy");
                assertTrue(r.ok(), r.stderr());
                return r.stdout();
            }
        }
    }

    /** A TCP server in the pod on {@value #PORT}: echoes every line, keeps each connection open, can push to all. */
    static final class Server implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        Server(Path netns) throws IOException {
            try (NetNs n = NetNs.open(netns)) {
                socket = n.run(() -> new ServerSocket(PORT, 16, InetAddress.ofLiteral("0.0.0.0")));
            }
            Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.add(s);
                        Thread.ofPlatform().daemon().start(() -> echo(s));
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        private static void echo(Socket s) {
            try (s;
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[256];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (s) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // closed or reset
            }
        }

        void sendToAll(String text) {
            for (Socket s : accepted) {
                try {
                    synchronized (s) {
                        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // that one is gone
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** A long-lived connection from one pod to the server. */
    static final class Client implements AutoCloseable {
        private final Socket socket;

        Client(TestPod from, TestPod to) throws IOException {
            try (NetNs n = NetNs.open(from.netns())) {
                socket = n.run(() -> java.nio.channels.SocketChannel.open().socket());
            }
            socket.connect(new InetSocketAddress(InetAddress.ofLiteral(to.ip()), PORT), 2000);
            socket.setSoTimeout(1000);
        }

        /** Sends a line; true if it comes back within 1 s (a second try for a slow machine). */
        boolean echoes(String word) {
            try {
                socket.getOutputStream().write((word + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                return false;
            }
            return receives(word) || receives(word);
        }

        /** True if {@code word} is among what arrives within 1 s. */
        boolean receives(String word) {
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[256];
            try {
                while (!got.toString().contains(word)) {
                    int n = socket.getInputStream().read(buf);
                    if (n < 0) {
                        return false;
                    }
                    got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
