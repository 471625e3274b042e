package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.netfilter.Conntrack;
import dev.cni4j.linux.netfilter.ConntrackEntry;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.plugins.bandwidth.InProcess;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * portmap chained after the reference bridge (hairpin mode on), both backends, with real traffic:
 * an "outside" host on a veth (node 192.0.2.1, outside 192.0.2.2), the node itself, 127.0.0.1 and
 * the pod itself. Servers and clients are sockets created inside the namespaces.
 */
class PortmapPrivilegedTest extends HostPortTestBase {
    static final String MAPPINGS = "\"runtimeConfig\":{\"portMappings\":["
            + "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
            + "{\"hostPort\":53,\"containerPort\":5353,\"protocol\":\"udp\"}]}";

    @BeforeEach
    void setUp() {
        startNode("pmnet", "cni4jpm0", "10.244.11.0/24", "pod-a");
        routePodsFromOutside();
        echo.tcpServer(pod.netns(), "pod", 80);
        echo.udpServer(pod.netns(), "pod", 5353);
    }

    /** Everything netfilter holds in the node (iptables-nft rules included), for leftover checks. */
    String ruleset() {
        return net.execInNode("nft", "list", "ruleset");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void hostPortsWorkFromEverywhereAndDelLeavesNothing(String backend) {
        String conf = conf(backend, "," + MAPPINGS, pod);
        run("ADD", pod, conf).assertSuccess();
        String reply = "pod:ping";
        assertEquals(reply, echo.tcp(outside, NODE_IP, 8080), "outside -> node:8080");
        assertEquals(reply, echo.udp(outside, NODE_IP, 53, 0), "outside -> node:53/udp");
        assertEquals(reply, echo.tcp(net.node(), NODE_IP, 8080), "node -> own address");
        assertEquals(reply, echo.tcp(net.node(), "127.0.0.1", 8080), "node -> 127.0.0.1");
        assertEquals(reply, echo.udp(net.node(), "127.0.0.1", 53, 0), "node -> 127.0.0.1 udp");
        assertEquals(reply, echo.tcp(pod.netns(), NODE_IP, 8080), "hairpin tcp");
        assertEquals(reply, echo.udp(pod.netns(), "10.244.11.1", 53, 0), "hairpin udp via the gateway");
        run("CHECK", pod, conf).assertSuccess();

        // DNS from another pod to a server outside is routed, not captured by hostPort 53
        Pod other = bridge.add("pod-b");
        echo.udpServer(outside, "outside", 53);
        assertEquals("outside:ping", echo.udp(other.netns(), OUTSIDE_IP, 53, 0));
        // 127.0.0.1 from the pod network must not reach the hostPort, although route_localnet=1 on the bridge
        net.exec(other.netns(), "ip", "route", "add", "127.0.0.1/32", "via", "10.244.11.1", "dev", "eth0");
        assertNull(echo.tcp(other.netns(), "127.0.0.1", 8080), "martian 127.0.0.1 from a pod");

        assertEquals(reply, echo.udp(outside, NODE_IP, 53, 40053));
        assertTrue(udpFlowsTo(53).contains(40053), "the flow is tracked in the node");
        run("DEL", pod, conf).assertSuccess();
        assertNothingLeftOf(pod);
        assertEquals(Set.of(), udpFlowsTo(53), "UDP conntrack entries of the hostPort are flushed on DEL");
        assertNull(echo.tcp(outside, NODE_IP, 8080));
        run("DEL", pod, conf).assertSuccess();
    }

    /**
     * A UDP client that keeps its source port (a DNS resolver, a game) while the hostPort's pod
     * is replaced: without the flushes, its conntrack entry would keep pointing at the old pod
     * (DNAT) or at the node itself (sent between DEL and ADD), and the new pod would never hear it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void udpFlowIsHandedOverToTheNextPodOfTheHostPort(String backend) {
        String conf = conf(backend, "," + MAPPINGS, pod);
        run("ADD", pod, conf).assertSuccess();
        assertEquals("pod:ping", echo.udp(outside, NODE_IP, 53, 40054));
        assertEquals(Set.of(40054), udpFlowsTo(53));
        run("DEL", pod, conf).assertSuccess();
        assertEquals(Set.of(), udpFlowsTo(53), "DEL flushed the entry DNATed to pod-a");

        Pod next = bridge.add("pod-c");
        echo.udpServer(next.netns(), "pod-c", 5353);
        assertNull(echo.udp(outside, NODE_IP, 53, 40054), "no mapping between DEL and ADD");
        assertEquals(Set.of(40054), udpFlowsTo(53), "tracked, not NATed: the node's own port 53");
        run("ADD", next, conf(backend, "," + MAPPINGS, next)).assertSuccess();
        assertEquals(Set.of(), udpFlowsTo(53), "ADD flushed the entry of the unmapped port");
        assertEquals("pod-c:ping", echo.udp(outside, NODE_IP, 53, 40054), "same source port, new pod");
        run("DEL", next, conf(backend, "," + MAPPINGS, next)).assertSuccess();
    }

    /**
     * A thousand unrelated UDP flows on the node: ADD and DEL flush the hostPort's entries and
     * leave every other one (the flush dumps only the port's entries: see ConntrackPrivilegedTest).
     */
    @Test
    void udpFlushTouchesOnlyTheMappedPortAmongManyFlows() throws Exception {
        String conf = conf("nftables", "," + MAPPINGS, pod);
        run("ADD", pod, conf).assertSuccess();
        flowsFromOutside(30000, 31000);
        assertEquals("pod:ping", echo.udp(outside, NODE_IP, 53, 40053));
        assertEquals(Set.of(40053), udpFlowsTo(53));
        run("DEL", pod, conf).assertSuccess();
        assertEquals(Set.of(), udpFlowsTo(53), "DEL flushed the hostPort's entry");
        assertEquals(1000, udpEntriesTo(30000, 31000), "and nothing else");
        assertNull(echo.udp(outside, NODE_IP, 53, 40054), "no mapping between DEL and ADD");
        assertEquals(Set.of(40054), udpFlowsTo(53));
        run("ADD", pod, conf).assertSuccess();
        assertEquals(Set.of(), udpFlowsTo(53), "ADD flushed the entry of the unmapped port");
        assertEquals(1000, udpEntriesTo(30000, 31000), "and nothing else");
        run("DEL", pod, conf).assertSuccess();
    }

    /** One datagram from outside to each node port in [from, to), resent until the node tracks them all. */
    void flowsFromOutside(int from, int to) throws Exception {
        for (int round = 0; round < 20 && udpEntriesTo(from, to) < to - from; round++) {
            net.runIn(outside, () -> {
                try (java.nio.channels.DatagramChannel ch =
                        java.nio.channels.DatagramChannel.open(java.net.StandardProtocolFamily.INET)) {
                    ch.bind(new java.net.InetSocketAddress(OUTSIDE_IP, 41000));
                    for (int port = from; port < to; port++) {
                        ch.send(
                                java.nio.ByteBuffer.wrap(new byte[] {'x'}),
                                new java.net.InetSocketAddress(NODE_IP, port));
                        if (port % 200 == 0) {
                            Thread.sleep(2); // let the veth backlog drain
                        }
                    }
                }
                return null;
            });
            Thread.sleep(50);
        }
        assertEquals(to - from, udpEntriesTo(from, to), "flows the node never tracked");
    }

    /** How many IPv4 UDP conntrack entries of the node go to a port in [from, to). */
    long udpEntriesTo(int from, int to) {
        try (NetNs node = net.openNode();
                Conntrack conntrack = Conntrack.open(node)) {
            return conntrack.list(Conntrack.AF_INET).stream()
                    .filter(e -> e.protocol() == Conntrack.IPPROTO_UDP
                            && e.destinationPort() >= from
                            && e.destinationPort() < to)
                    .count();
        }
    }

    /** Source ports of the node's IPv4 UDP conntrack entries to {@code port}, read over ctnetlink. */
    Set<Integer> udpFlowsTo(int port) {
        try (NetNs node = net.openNode();
                Conntrack conntrack = Conntrack.open(node)) {
            Set<Integer> sourcePorts = new TreeSet<>();
            for (ConntrackEntry e : conntrack.list(Conntrack.AF_INET)) {
                if (e.protocol() == Conntrack.IPPROTO_UDP && e.destinationPort() == port) {
                    sourcePorts.add(e.sourcePort());
                }
            }
            return sourcePorts;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void delWithoutMappingsRemovesTheAttachment(String backend) {
        run("ADD", pod, conf(backend, "," + MAPPINGS, pod)).assertSuccess();
        assertEquals("pod:ping", echo.tcp(outside, NODE_IP, 8080));
        run("DEL", pod, conf(backend, "", null)).assertSuccess();
        assertNothingLeftOf(pod);
        assertNull(echo.tcp(outside, NODE_IP, 8080));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void checkNoticesMissingRulesAndGcKeepsOnlyValidAttachments(String backend) {
        Pod b = bridge.add("pod-b");
        String mapB =
                ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":9090,\"containerPort\":80,\"protocol\":\"tcp\"}]}";
        run("ADD", pod, conf(backend, "," + MAPPINGS, pod)).assertSuccess();
        run("ADD", b, conf(backend, mapB, b)).assertSuccess();
        run("CHECK", b, conf(backend, mapB, b)).assertSuccess();
        String gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"pmnet\",\"type\":\"portmap\",\"backend\":\"" + backend + "\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"pod-a\",\"ifname\":\"eth0\"}]}";
        net.runInNode(() -> InProcess.run(Portmap::new, "GC", "", "", "", gc)).assertSuccess();
        assertNothingLeftOf(b);
        Outcome check = run("CHECK", b, conf(backend, mapB, b));
        assertEquals(1, check.exit(), check.stdout());
        run("CHECK", pod, conf(backend, "," + MAPPINGS, pod)).assertSuccess();
        assertEquals("pod:ping", echo.tcp(outside, NODE_IP, 8080));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void udpHostPortFollowsTheNewestPodAndStaleFlowsAreFlushed(String backend) {
        Pod b = bridge.add("pod-b");
        echo.udpServer(b.netns(), "podb", 5353);
        String udp53 =
                ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":53,\"containerPort\":5353,\"protocol\":\"udp\"}]}";
        run("ADD", pod, conf(backend, udp53, pod)).assertSuccess();
        // a fixed source port: the same conntrack "flow" is used by every datagram
        assertEquals("pod:ping", echo.udp(outside, NODE_IP, 53, 40054));
        run("ADD", b, conf(backend, udp53, b)).assertSuccess();
        assertEquals("podb:ping", echo.udp(outside, NODE_IP, 53, 40054), "the flow was flushed on ADD");
        run("DEL", b, conf(backend, "", null)).assertSuccess();
        run("DEL", pod, conf(backend, "", null)).assertSuccess();
        assertNothingLeftOf(pod);
        assertNothingLeftOf(b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void masqueradeOnlyWhereNeededUnlessMasqAllAndNoneWithoutSnat(String backend) {
        echo.tcpWhoAmIServer(pod.netns(), 81);
        String map81 =
                "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8081,\"containerPort\":81,\"protocol\":\"tcp\"}]}";
        run("ADD", pod, conf(backend, "," + map81, pod)).assertSuccess();
        assertEquals(OUTSIDE_IP, echo.tcp(outside, NODE_IP, 8081), "outside sources are kept");
        assertEquals("10.244.11.1", echo.tcp(net.node(), "127.0.0.1", 8081), "localhost is masqueraded");
        run("DEL", pod, conf(backend, "", null)).assertSuccess();

        run("ADD", pod, conf(backend, ",\"masqAll\":true," + map81, pod)).assertSuccess();
        assertEquals("10.244.11.1", echo.tcp(outside, NODE_IP, 8081), "masqAll masquerades everyone");
        run("CHECK", pod, conf(backend, ",\"masqAll\":true," + map81, pod)).assertSuccess();
        run("DEL", pod, conf(backend, "", null)).assertSuccess();

        run("ADD", pod, conf(backend, ",\"snat\":false," + map81, pod)).assertSuccess();
        assertEquals(OUTSIDE_IP, echo.tcp(outside, NODE_IP, 8081));
        assertNull(echo.tcp(net.node(), "127.0.0.1", 8081), "without snat, 127.0.0.1 cannot work");
        run("DEL", pod, conf(backend, "", null)).assertSuccess();
        assertNothingLeftOf(pod);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"backend\":\"nftables\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":0,\"containerPort\":80,\"protocol\":\"tcp\"}]}",
                "\"backend\":\"nftables\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":65536,\"containerPort\":80,\"protocol\":\"tcp\"}]}",
                "\"backend\":\"iptables\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"icmp\"}]}",
                "\"backend\":\"ebpf\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"tcp\"}]}",
                "\"backend\":\"nftables\",\"markMasqBit\":14," + MAPPINGS,
                "\"backend\":\"iptables\",\"conditionsV4\":[\"ip\",\"saddr\",\"!=\",\"192.0.2.0/24\"]," + MAPPINGS,
                "\"markMasqBit\":32," + MAPPINGS,
                "\"markMasqBit\":1,\"externalSetMarkChain\":\"KUBE-MARK-MASQ\"," + MAPPINGS
            })
    void badInputIsCode7AndChangesNothing(String fields) {
        String before = ruleset();
        Outcome o = run("ADD", pod, bridge.chained("1.0.0", "\"type\":\"portmap\"," + fields, pod));
        assertEquals(1, o.exit(), o.stdout());
        assertEquals(7L, o.json().integer("code"), o.stdout());
        assertEquals(before, ruleset());
    }
}
