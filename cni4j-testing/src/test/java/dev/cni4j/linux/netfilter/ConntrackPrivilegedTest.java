package dev.cni4j.linux.netfilter;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.NetNs;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node namespace tracks connections (an nftables rule using ct state); a pod on a veth sends
 * UDP datagrams to it from sockets opened inside the pod namespace. Results are cross-checked
 * with {@code conntrack -L} run inside the node namespace.
 */
class ConntrackPrivilegedTest {
    static final String NODE4 = "192.0.2.1", POD4 = "192.0.2.2", NODE6 = "2001:db8::1", POD6 = "2001:db8::2";
    static final Pattern ENTRY =
            Pattern.compile("^udp .*?src=(\\S+) dst=(\\S+) sport=(\\d+) dport=(\\d+)", Pattern.MULTILINE);

    TestNetworks net;
    Path pod;
    NetNs node;

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
        pod = net.newPod();
        node = net.openNode();
    }

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
        if (net != null) {
            net.close();
        }
    }

    void connectPodAndTrackInNode() {
        net.execInNode(
                "ip", "link", "add", "ct0", "type", "veth", "peer", "name", "eth0", "netns", TestNetworks.nameOf(pod));
        net.execInNode("ip", "addr", "add", NODE4 + "/24", "dev", "ct0");
        net.execInNode("ip", "addr", "add", NODE6 + "/64", "dev", "ct0", "nodad");
        net.execInNode("ip", "link", "set", "ct0", "up");
        net.exec(pod, "ip", "addr", "add", POD4 + "/24", "dev", "eth0");
        net.exec(pod, "ip", "addr", "add", POD6 + "/64", "dev", "eth0", "nodad");
        net.exec(pod, "ip", "link", "set", "eth0", "up");
        net.execInNode(
                "nft",
                "add table inet cttest; "
                        + "add chain inet cttest pre { type filter hook prerouting priority 0; }; "
                        + "add rule inet cttest pre ct state new counter");
    }

    /** One datagram from the pod, from a socket opened on a thread inside the pod namespace. */
    void sendFromPod(String source, int sourcePort, String destination, int destinationPort) throws IOException {
        net.runIn(pod, () -> {
            StandardProtocolFamily family =
                    source.contains(":") ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
            try (DatagramChannel ch = DatagramChannel.open(family)) {
                ch.bind(new InetSocketAddress(source, sourcePort));
                ch.send(ByteBuffer.wrap(new byte[] {'x'}), new InetSocketAddress(destination, destinationPort));
            }
            return null;
        });
    }

    /** {@code conntrack -L -f FAMILY -p udp} in the node as "src dst sport dport" lines, sorted. */
    Set<String> toolList(String family) {
        String out = net.execInNode("conntrack", "-L", "-f", family, "-p", "udp");
        Set<String> entries = new TreeSet<>();
        Matcher m = ENTRY.matcher(out);
        while (m.find()) {
            entries.add(key(m.group(1), m.group(2), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))));
        }
        return entries;
    }

    /** "src dst sport dport", addresses in InetAddress's spelling whoever wrote them. */
    static String key(String source, String destination, int sourcePort, int destinationPort) {
        try {
            return InetAddress.getByName(source).getHostAddress() + " "
                    + InetAddress.getByName(destination).getHostAddress() + " " + sourcePort + " " + destinationPort;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Set<String> ours(List<ConntrackEntry> entries) {
        Set<String> out = new TreeSet<>();
        for (ConntrackEntry e : entries) {
            assertEquals(Conntrack.IPPROTO_UDP, e.protocol(), e.toString());
            out.add(key(
                    e.source().getHostAddress(),
                    e.destination().getHostAddress(),
                    e.sourcePort(),
                    e.destinationPort()));
        }
        return out;
    }

    /** Waits until the node tracks {@code count} UDP entries of {@code family} (softirq runs after send returns). */
    Set<String> awaitEntries(String family, int count) throws InterruptedException {
        Set<String> entries = Set.of();
        for (int i = 0; i < 100 && entries.size() < count; i++) {
            entries = toolList(family);
            if (entries.size() < count) {
                Thread.sleep(20);
            }
        }
        assertEquals(count, entries.size(), entries.toString());
        return entries;
    }

    @Test
    void deletesEntriesToTheGivenPortsOnlyPerFamily() throws Exception {
        connectPodAndTrackInNode();
        sendFromPod(POD4, 40001, NODE4, 5353);
        sendFromPod(POD4, 40002, NODE4, 5353);
        sendFromPod(POD4, 40003, NODE4, 9999);
        sendFromPod(POD6, 40001, NODE6, 5353);
        sendFromPod(POD6, 40003, NODE6, 9999);
        Set<String> v4 = awaitEntries("ipv4", 3);
        Set<String> v6 = awaitEntries("ipv6", 2);

        try (Conntrack ct = Conntrack.open(node)) {
            assertEquals(v4, ours(ct.list(Conntrack.AF_INET)), "our dump is conntrack -L's");
            assertEquals(v6, ours(ct.list(Conntrack.AF_INET6)));

            assertEquals(2, ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, Set.of(5353, 53)));
            assertEquals(Set.of(key(POD4, NODE4, 40003, 9999)), toolList("ipv4"));
            assertEquals(v6, toolList("ipv6"), "IPv6 entries are left to the IPv6 flush");
            assertEquals(0, ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, Set.of(5353)));
            assertEquals(
                    0,
                    ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_TCP, Set.of(9999)),
                    "a TCP flush leaves UDP entries alone");

            assertEquals(1, ct.deleteByDestinationPort(Conntrack.AF_INET6, Conntrack.IPPROTO_UDP, Set.of(5353)));
            assertEquals(Set.of(key(POD6, NODE6, 40003, 9999)), toolList("ipv6"));
            assertEquals(Set.of(key(POD4, NODE4, 40003, 9999)), toolList("ipv4"));
        }
    }

    /** Datagrams from one pod socket to {@code destination}:from..to-1, resent until the node tracks each. */
    void flowsFromPod(String source, int sourcePort, String destination, int from, int to, int family)
            throws Exception {
        try (Conntrack ct = Conntrack.open(node)) {
            Set<Integer> missing = new TreeSet<>();
            for (int p = from; p < to; p++) {
                missing.add(p);
            }
            for (int round = 0; round < 20 && !missing.isEmpty(); round++) {
                Set<Integer> send = Set.copyOf(missing);
                net.runIn(pod, () -> {
                    StandardProtocolFamily f =
                            source.contains(":") ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
                    try (DatagramChannel ch = DatagramChannel.open(f)) {
                        ch.bind(new InetSocketAddress(source, sourcePort));
                        int n = 0;
                        for (int port : send) {
                            ch.send(ByteBuffer.wrap(new byte[] {'x'}), new InetSocketAddress(destination, port));
                            if (++n % 200 == 0) {
                                Thread.sleep(2); // let the veth backlog drain
                            }
                        }
                    }
                    return null;
                });
                Thread.sleep(50);
                for (ConntrackEntry e : ct.list(family)) {
                    missing.remove(e.destinationPort());
                }
            }
            assertEquals(Set.of(), missing, "flows the node never tracked");
        }
    }

    /**
     * The flush of one hostPort among thousands of unrelated flows: the kernel filters the dump
     * (CTA_FILTER), so only the port's entries cross to user space and only they are deleted.
     */
    @Test
    void kernelFiltersTheDumpToTheProtocolAndPort() throws Exception {
        connectPodAndTrackInNode();
        flowsFromPod(POD4, 40000, NODE4, 20000, 25000, Conntrack.AF_INET); // 5000 unrelated entries
        flowsFromPod(POD6, 40000, NODE6, 20000, 20500, Conntrack.AF_INET6);
        sendFromPod(POD4, 40001, NODE4, 5353);
        sendFromPod(POD4, 40002, NODE4, 5353);
        sendFromPod(POD4, 40003, NODE4, 5353);
        sendFromPod(POD6, 40001, NODE6, 5353);
        try (Conntrack ct = Conntrack.open(node)) {
            for (int i = 0; i < 100 && ct.list(Conntrack.AF_INET).size() < 5003; i++) {
                Thread.sleep(20);
            }
            assertEquals(5003, ct.list(Conntrack.AF_INET).size());
            for (int i = 0; i < 100 && ct.list(Conntrack.AF_INET6).size() < 501; i++) {
                Thread.sleep(20);
            }

            long before = ct.entriesReceived();
            List<ConntrackEntry> mapped = ct.list(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, 5353);
            assertEquals(
                    Set.of(key(POD4, NODE4, 40001, 5353), key(POD4, NODE4, 40002, 5353), key(POD4, NODE4, 40003, 5353)),
                    ours(mapped));
            assertEquals(3, ct.entriesReceived() - before, "the kernel sent only the port's entries");
            assertEquals(
                    0, ct.list(Conntrack.AF_INET, Conntrack.IPPROTO_TCP, 5353).size(), "protocol filtered too");

            before = ct.entriesReceived();
            assertEquals(3, ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, Set.of(5353, 53)));
            assertEquals(3, ct.entriesReceived() - before, "one filtered dump per port, 3 + 0 entries");
            before = ct.entriesReceived();
            assertEquals(1, ct.deleteByDestinationPort(Conntrack.AF_INET6, Conntrack.IPPROTO_UDP, Set.of(5353)));
            assertEquals(1, ct.entriesReceived() - before);

            assertEquals(5000, ct.list(Conntrack.AF_INET).size(), "the unrelated IPv4 entries stay");
            assertEquals(500, ct.list(Conntrack.AF_INET6).size(), "the unrelated IPv6 entries stay");
            assertEquals(List.of(), ct.list(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, 5353));
        }
    }

    @Test
    void deletingAnEntryThatIsGoneIsNotAnError() throws Exception {
        connectPodAndTrackInNode();
        sendFromPod(POD4, 40001, NODE4, 5353);
        awaitEntries("ipv4", 1);
        try (Conntrack ct = Conntrack.open(node)) {
            ConntrackEntry e = ct.list(Conntrack.AF_INET).getFirst();
            assertEquals(
                    key(POD4, NODE4, 40001, 5353), ours(List.of(e)).iterator().next());
            assertTrue(ct.delete(e));
            assertFalse(ct.delete(e), "ENOENT: already gone");
            assertTrue(ct.list(Conntrack.AF_INET).isEmpty());
        }
        assertEquals(Set.of(), toolList("ipv4"));
    }

    @Test
    void entriesInAZoneAreDeletedWithTheirZone() throws Exception {
        connectPodAndTrackInNode();
        net.execInNode(
                "nft",
                "add chain inet cttest raw { type filter hook prerouting priority -300; }; "
                        + "add rule inet cttest raw udp dport 7777 ct zone set 7");
        sendFromPod(POD4, 40001, NODE4, 7777);
        sendFromPod(POD4, 40002, NODE4, 9999);
        awaitEntries("ipv4", 2);
        assertTrue(net.execInNode("conntrack", "-L", "-p", "udp", "--orig-port-dst", "7777")
                .contains("zone=7"));
        try (Conntrack ct = Conntrack.open(node)) {
            ConntrackEntry zoned = ct.list(Conntrack.AF_INET).stream()
                    .filter(e -> e.destinationPort() == 7777)
                    .findFirst()
                    .orElseThrow();
            assertEquals(7, zoned.zone());
            assertEquals(1, ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, Set.of(7777)));
        }
        assertEquals(Set.of(key(POD4, NODE4, 40002, 9999)), toolList("ipv4"));
    }

    @Test
    void emptyTableIsFine() {
        // a fresh namespace: nothing registered conntrack hooks here, so nothing is tracked
        try (Conntrack ct = Conntrack.open(node)) {
            assertEquals(List.of(), ct.list(Conntrack.AF_INET));
            assertEquals(List.of(), ct.list(Conntrack.AF_INET6));
            assertEquals(0, ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, Set.of(53)));
            assertEquals(0, ct.deleteByDestinationPort(Conntrack.AF_INET6, Conntrack.IPPROTO_UDP, Set.of(53)));
        }
    }

    @Test
    void otherFamiliesAreRefused() {
        try (Conntrack ct = Conntrack.open(node)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ct.list(0));
            assertTrue(e.getMessage().contains("not 0"), e.getMessage());
        }
    }
}
