package dev.cni4j.agent;

import static dev.cni4j.agent.FastPathPrivilegedTest.call;
import static dev.cni4j.agent.FastPathPrivilegedTest.id;
import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.FastPathPrivilegedTest.Reply;
import dev.cni4j.agent.policy.PolicyController;
import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.linux.NetNs;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: pod starts under a default-deny policy deliver no forbidden packet, not even the
 * first ones after ADD. Namespace x has a deny-all policy (Ingress and Egress); pods are added to
 * it one after the other through the agent's fast-path socket (the launcher's wire format). Each
 * pod's sockets exist before its ADD (made in its namespace while it has only lo); the moment the
 * ADD's reply arrives, the pod sends UDP datagrams and a TCP SYN to a listener in y (egress), and
 * a sender in y does the same to the pod (ingress). Neither listener may ever receive anything.
 * Every 20th pod is a control in y (no policy) started the same way, which must get through both
 * ways: the senders are fast enough to have caught a window. Pods are retired (CNI DEL, API
 * delete, netns deleted) ten starts later, so resources stay bounded.
 * {@code -Dcni4j.policy.podStarts=1000} for the thousand (default 100).
 */
class PodStartsUnderDefaultDenyPrivilegedTest {
    static final int FORBIDDEN_PORT = 9000, CONTROL_PORT = 9100, POD_PORT = 9001;
    static final int WINDOW = 10, CONTROL_EVERY = 20;

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    /**
     * A pod's sockets, all made before its ADD: its own in its namespace (only lo there yet), the
     * peer's (its ingress sender) in the listener's.
     */
    record Sockets(
            DatagramChannel udpOut,
            SocketChannel tcpOut,
            DatagramChannel udpIn,
            ServerSocketChannel tcpIn,
            DatagramChannel peerUdp,
            SocketChannel peerTcp) {
        static Sockets make(Path pod, Path listener) throws IOException {
            return new Sockets(
                    udp(pod), tcp(pod), bindUdp(pod, POD_PORT), bindTcp(pod, POD_PORT), udp(listener), tcp(listener));
        }

        void close() throws IOException {
            for (var c : List.of(udpOut, tcpOut, udpIn, tcpIn, peerUdp, peerTcp)) {
                c.close();
            }
        }
    }

    /** A pod whose ADD returned. */
    record Started(String ns, String name, String uid, Path netns, Sockets sockets) {
        String containerId() {
            return PodStartsUnderDefaultDenyPrivilegedTest.containerId(ns, name, uid);
        }
    }

    @Test
    void noForbiddenPacketAtPodStart(@TempDir Path dir) throws Exception {
        int starts = Integer.getInteger("cni4j.policy.podStarts", 100);
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                MockCluster api = new MockCluster()) {
            Path node = cluster.nodes.get(1);
            Path socket = dir.resolve("cni4j-run/cni.sock");
            Map<String, String> settings = NetworkPolicyPrivilegedTest.denyAllInXWithFastPath(api, node, dir, socket);
            Deque<Started> alive = new ArrayDeque<>();
            List<AutoCloseable> listener = new ArrayList<>();
            try (Agent a = Agent.start(AgentConfig.of(settings), api.client)) {
                assertTrue(
                        await(
                                Duration.ofSeconds(30),
                                () -> a.status().ready()
                                        && a.policy().compiled() != null
                                        && FastPathPrivilegedTest.metric(a, "cni4j_fastpath_serving")
                                                .equals("1")),
                        a.status().blocking().toString());
                byte[] conf =
                        SimulatedCluster.bridgeConf(dir.resolve("net.d/10-cni4j.conflist"), dir.resolve("networks"));
                NsId nodeNet = id(node), mnt = id(Path.of("/proc/thread-self/ns/mnt"));
                Pods pods = new Pods(cluster, api, socket, conf, nodeNet, mnt, dir);

                // y/listener: the target of every pod's egress and the source of its ingress
                Path listenerNs = cluster.net.newPod();
                String listenerIp = pods.add("y", "listener", listenerNs);
                DatagramChannel forbiddenUdp = bindUdp(listenerNs, FORBIDDEN_PORT),
                        controlUdp = bindUdp(listenerNs, CONTROL_PORT);
                ServerSocketChannel forbiddenTcp = bindTcp(listenerNs, FORBIDDEN_PORT),
                        controlTcp = bindTcp(listenerNs, CONTROL_PORT);
                listener.addAll(List.of(forbiddenUdp, controlUdp, forbiddenTcp, controlTcp));
                InetSocketAddress forbidden = new InetSocketAddress(InetAddress.ofLiteral(listenerIp), FORBIDDEN_PORT);
                InetSocketAddress control = new InetSocketAddress(InetAddress.ofLiteral(listenerIp), CONTROL_PORT);

                int delivered = 0, controls = 0;
                List<String> leaks = new ArrayList<>();
                long[] addMicros = new long[starts], sendMicros = new long[starts];
                long t0 = System.nanoTime();
                for (int i = 0; i < starts; i++) {
                    boolean isControl = i % CONTROL_EVERY == CONTROL_EVERY - 1;
                    String ns = isControl ? "y" : "x", name = (isControl ? "control" : "p") + i;
                    Path podNs = cluster.net.newPod();
                    Sockets s = Sockets.make(podNs, listenerNs);
                    if (isControl) { // what earlier controls left there does not count for this one
                        drain(controlUdp, "", new ArrayList<>());
                        drainAccepts(controlTcp, "", new ArrayList<>());
                    }
                    String uid = FastPathPolicyPrivilegedTest.pod(api, ns, name);
                    long before = System.nanoTime();
                    String ip;
                    try {
                        ip = pods.add(ns, name, uid, podNs);
                    } catch (Exception | Error e) {
                        s.close();
                        throw e;
                    }
                    long replied = System.nanoTime();
                    Started started = new Started(ns, name, uid, podNs, s);
                    alive.addLast(started); // its sockets closed at the end even if an assertion below fails
                    // the pod's containers start: at once, both directions
                    ByteBuffer payload = ByteBuffer.wrap((ns + "/" + name).getBytes(StandardCharsets.UTF_8));
                    InetSocketAddress target = isControl ? control : forbidden;
                    s.udpOut().send(payload.duplicate(), target);
                    long sent = System.nanoTime();
                    s.tcpOut().connect(target);
                    InetSocketAddress pod = new InetSocketAddress(InetAddress.ofLiteral(ip), POD_PORT);
                    s.peerUdp().send(payload.duplicate(), pod);
                    s.peerTcp().connect(pod);
                    for (int k = 0; k < 2; k++) {
                        s.udpOut().send(payload.duplicate(), target);
                        s.peerUdp().send(payload.duplicate(), pod);
                    }
                    addMicros[i] = (replied - before) / 1000;
                    sendMicros[i] = (sent - replied) / 1000;
                    if (isControl) {
                        controls++;
                        assertTrue(
                                await(Duration.ofSeconds(5), () -> received(controlUdp) && received(s.udpIn())),
                                "control " + name + ": the datagrams sent right after ADD arrive both ways");
                        assertTrue(
                                await(Duration.ofSeconds(5), () -> accepted(controlTcp) && accepted(s.tcpIn())),
                                "control " + name + ": the connections made right after ADD arrive both ways");
                    }
                    if (alive.size() > WINDOW) {
                        delivered += retire(alive.removeFirst(), pods, forbiddenUdp, forbiddenTcp, leaks);
                    }
                }
                Thread.sleep(1500); // what is still in flight (SYN retransmits after 1 s)
                while (!alive.isEmpty()) {
                    delivered += retire(alive.removeFirst(), pods, forbiddenUdp, forbiddenTcp, leaks);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                java.util.Arrays.sort(addMicros);
                java.util.Arrays.sort(sendMicros);
                System.out.printf(
                        "pod starts under default-deny: %d pods (%d in x under deny-all, %d controls in y) in %.1f s; "
                                + "ADD through the fast path p50 %d ms, p99 %d ms; first packet %d us after the reply (p50), %d us (max); "
                                + "forbidden packets delivered: %d%n",
                        starts,
                        starts - controls,
                        controls,
                        seconds,
                        addMicros[starts / 2] / 1000,
                        addMicros[Math.min(starts - 1, starts * 99 / 100)] / 1000,
                        sendMicros[starts / 2],
                        sendMicros[starts - 1],
                        delivered);
                assertEquals(
                        0,
                        delivered,
                        "forbidden packets delivered, the first: " + leaks.subList(0, Math.min(20, leaks.size())));
                assertTrue(controls > 0, "at least one control ran");
            } finally {
                for (Started s : alive) {
                    s.sockets().close();
                }
                for (AutoCloseable c : listener) {
                    c.close();
                }
            }
        }
    }

    /**
     * CNI DEL, API delete and netns delete of a pod; returns the forbidden packets that reached it or the listener so
     * far.
     */
    private static int retire(
            Started s, Pods pods, DatagramChannel forbiddenUdp, ServerSocketChannel forbiddenTcp, List<String> leaks)
            throws Exception {
        int delivered = 0;
        if (s.ns().equals("x")) {
            delivered += drain(s.sockets().udpIn(), s.ns() + "/" + s.name() + " received a datagram", leaks);
            delivered += drainAccepts(s.sockets().tcpIn(), s.ns() + "/" + s.name() + " accepted a connection", leaks);
        }
        delivered += drain(forbiddenUdp, "the listener received a datagram", leaks);
        delivered += drainAccepts(forbiddenTcp, "the listener accepted a connection", leaks);
        s.sockets().close();
        pods.delete(s);
        return delivered;
    }

    private static int drain(DatagramChannel c, String what, List<String> leaks) throws IOException {
        int n = 0;
        ByteBuffer b = ByteBuffer.allocate(256);
        for (var from = c.receive(b); from != null; from = c.receive(b.clear())) {
            n++;
            leaks.add(what + " from " + from + ": "
                    + new String(b.array(), 0, b.flip().limit(), StandardCharsets.UTF_8));
        }
        return n;
    }

    private static int drainAccepts(ServerSocketChannel c, String what, List<String> leaks) throws IOException {
        int n = 0;
        for (SocketChannel ch = c.accept(); ch != null; ch = c.accept()) {
            n++;
            leaks.add(what + " from " + ch.getRemoteAddress());
            ch.close();
        }
        return n;
    }

    private static boolean received(DatagramChannel c) {
        try {
            return c.receive(ByteBuffer.allocate(256)) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean accepted(ServerSocketChannel c) {
        try (SocketChannel ch = c.accept()) {
            return ch != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static DatagramChannel udp(Path netns) throws IOException {
        try (NetNs n = NetNs.open(netns)) {
            DatagramChannel c = n.run(DatagramChannel::open);
            c.configureBlocking(false);
            return c;
        }
    }

    private static SocketChannel tcp(Path netns) throws IOException {
        try (NetNs n = NetNs.open(netns)) {
            SocketChannel c = n.run(SocketChannel::open);
            c.configureBlocking(false);
            return c;
        }
    }

    private static DatagramChannel bindUdp(Path netns, int port) throws IOException {
        DatagramChannel c = udp(netns);
        c.bind(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), port));
        return c;
    }

    private static ServerSocketChannel bindTcp(Path netns, int port) throws IOException {
        try (NetNs n = NetNs.open(netns)) {
            ServerSocketChannel c = n.run(ServerSocketChannel::open);
            c.configureBlocking(false);
            c.bind(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), port), 64);
            return c;
        }
    }

    static String containerId(String ns, String name, String uid) {
        return "ctr-" + ns + "-" + name + "-" + uid.substring(0, 8);
    }

    /** Pods made and removed the way the runtime does it on a fast-path node: through the agent's socket. */
    record Pods(SimulatedCluster cluster, MockCluster api, Path socket, byte[] conf, NsId nodeNet, NsId mnt, Path dir) {
        /** The API object, then the served ADD; returns the pod's IP. */
        String add(String ns, String name, Path netns) throws Exception {
            return add(ns, name, FastPathPolicyPrivilegedTest.pod(api, ns, name), netns);
        }

        String add(String ns, String name, String uid, Path netns) throws Exception {
            Reply r = call(
                    socket,
                    new Request(
                            nodeNet,
                            mnt,
                            "bridge",
                            FastPathPolicyPrivilegedTest.env(
                                    "ADD", containerId(ns, name, uid), netns, dir, ns, name, uid),
                            conf));
            assertEquals(0, r.exit(), ns + "/" + name + ": " + r.stdout() + r.stderr());
            return PolicyController.resultAddresses(r.stdout().getBytes(StandardCharsets.UTF_8))
                    .get(0)
                    .toString();
        }

        /** The served DEL, the API object deleted, the namespace gone. */
        void delete(Started s) throws Exception {
            Reply r = call(
                    socket,
                    new Request(
                            nodeNet,
                            mnt,
                            "bridge",
                            FastPathPolicyPrivilegedTest.env(
                                    "DEL", s.containerId(), s.netns(), dir, s.ns(), s.name(), s.uid()),
                            conf));
            assertEquals(0, r.exit(), s.ns() + "/" + s.name() + " DEL: " + r.stdout() + r.stderr());
            api.client.pods().inNamespace(s.ns()).withName(s.name()).delete();
            NetNs.delete(TestNetworks.nameOf(s.netns()));
        }
    }
}
