package dev.cni4j.agent.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.MockCluster;
import dev.cni4j.agent.serve.AgentStatus;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyTest {
    static final IpPrefix CLUSTER = ClusterNode.parseCidr("10.244.0.0/16");

    static ClusterNode n(String name, String cidr, String ip) {
        return ClusterNode.from(MockCluster.node(name, cidr, ip));
    }

    @Test
    void peersAreTheOtherUsableNodesSortedByName() {
        Topology t = Topology.of(
                "b",
                List.of(
                        n("c", "10.244.3.0/24", "192.168.0.3"),
                        n("a", "10.244.1.0/24", "192.168.0.1"),
                        n("b", "10.244.2.0/24", "192.168.0.2")),
                CLUSTER);
        assertNull(t.selfProblem());
        assertEquals("b", t.self().name());
        assertEquals(
                List.of("a", "c"), t.peers().stream().map(ClusterNode::name).toList());
        assertTrue(t.skipped().isEmpty());
    }

    @Test
    void nodesWithoutPodCidrOrAddressAreSkippedWithAReason() {
        Topology t = Topology.of(
                "a",
                List.of(
                        n("a", "10.244.1.0/24", "192.168.0.1"),
                        n("nocidr", null, "192.168.0.5"),
                        n("noip", "10.244.6.0/24", null)),
                CLUSTER);
        assertTrue(t.peers().isEmpty());
        assertTrue(t.skipped().get("nocidr").contains("no podCIDR"));
        assertTrue(t.skipped().get("noip").contains("InternalIP"));
    }

    @Test
    void overlappingPodCidrsFirstClaimWinsAndSelfAlwaysWins() {
        Topology t = Topology.of(
                "z",
                List.of(
                        n("z", "10.244.1.0/24", "192.168.0.9"),
                        n("a", "10.244.1.0/25", "192.168.0.1"),
                        n("b", "10.244.2.0/24", "192.168.0.2"),
                        n("c", "10.244.2.0/24", "192.168.0.3")),
                CLUSTER);
        assertEquals(List.of("b"), t.peers().stream().map(ClusterNode::name).toList());
        assertTrue(
                t.skipped().get("a").contains("overlaps 10.244.1.0/24 of node z"),
                t.skipped().toString());
        assertTrue(t.skipped().get("c").contains("overlaps 10.244.2.0/24 of node b"));
    }

    @Test
    void selfProblems() {
        assertTrue(Topology.of("x", List.of(), CLUSTER).selfProblem().contains("not found"));
        assertTrue(Topology.of("a", List.of(n("a", null, "192.168.0.1")), CLUSTER)
                .selfProblem()
                .contains("has no podCIDR assigned"));
        assertTrue(Topology.of("a", List.of(n("a", "10.9.0.0/24", "192.168.0.1")), CLUSTER)
                .selfProblem()
                .contains("outside the cluster CIDR"));
    }

    @Test
    void readsAnnotationsAndReportsBadFields() {
        Node node = MockCluster.node("a", "10.244.1.0/24", "192.168.0.1");
        node.getMetadata()
                .setAnnotations(
                        Map.of(ClusterNode.VTEP_MAC, "0e:00:00:00:00:01", ClusterNode.PUBLIC_IP, "203.0.113.1"));
        ClusterNode c = ClusterNode.from(node);
        assertEquals("0e:00:00:00:00:01", c.vtepMac());
        assertEquals("203.0.113.1", c.underlayAddress().getHostAddress());
        node.getSpec().setPodCIDRs(List.of("garbage"));
        node.getSpec().setPodCIDR("garbage");
        node.getMetadata().setAnnotations(Map.of(ClusterNode.VTEP_MAC, "nope"));
        c = ClusterNode.from(node);
        assertNull(c.podCidrV4());
        assertNull(c.vtepMac());
        assertEquals(2, c.problems().size(), c.problems().toString());
    }

    static ClusterNode dual(String name, String cidr, String cidrV6) {
        return ClusterNode.from(
                MockCluster.dualStackNode(name, cidr, cidrV6, "192.168.0." + name.charAt(0) % 10, "fd00:50::" + name));
    }

    @Test
    void dualStackNodesReadBothFamilies() {
        ClusterNode a = ClusterNode.from(
                MockCluster.dualStackNode("a", "10.244.1.0/24", "fd00:10:244:1::/64", "192.168.0.1", "fd00:50::1"));
        assertEquals("10.244.1.0/24", a.podCidrV4().toString());
        assertEquals("fd00:10:244:1::/64", a.podCidrV6().toString());
        assertEquals("192.168.0.1", a.internalIp().getHostAddress());
        assertEquals("fd00:50::1", IpAddress.of(a.internalIpV6()).toString());
        ClusterNode v4only = n("b", "10.244.2.0/24", "192.168.0.2");
        assertNull(v4only.podCidrV6());
        assertNull(v4only.internalIpV6());
    }

    @Test
    void ipv6OverlapsAreCheckedPerFamilyAndDropOnlyTheIpv6Range() {
        Topology t = Topology.of(
                "a",
                List.of(
                        dual("a", "10.244.1.0/24", "fd00:10:244:1::/64"),
                        dual("b", "10.244.2.0/24", "fd00:10:244:1::/80"),
                        dual("c", "10.244.3.0/24", "fd00:10:244:3::/64"),
                        dual("d", "10.244.4.0/24", "fd00:10:244:3::/64"),
                        n("e", "10.244.5.0/24", "192.168.0.5")),
                CLUSTER);
        assertNull(t.selfProblem());
        assertEquals(
                List.of("b", "c", "d", "e"),
                t.peers().stream().map(ClusterNode::name).toList(),
                "every IPv4 range routed");
        assertTrue(t.skipped().isEmpty(), t.skipped().toString());
        assertEquals(
                Map.of(
                        "b",
                        "IPv6 podCIDR fd00:10:244:1::/80 overlaps fd00:10:244:1::/64 of node a",
                        "d",
                        "IPv6 podCIDR fd00:10:244:3::/64 overlaps fd00:10:244:3::/64 of node c"),
                t.ipv6Skipped());
        Map<String, ClusterNode> peers = new java.util.HashMap<>();
        t.peers().forEach(p -> peers.put(p.name(), p));
        assertNull(peers.get("b").podCidrV6());
        assertEquals("fd00:10:244:3::/64", peers.get("c").podCidrV6().toString());
        assertNull(peers.get("d").podCidrV6());
        assertEquals("10.244.4.0/24", peers.get("d").podCidrV4().toString());
    }

    @Test
    void withAnIpv6ClusterCidrPeersOutsideItLoseOnlyTheirIpv6Range() {
        IpPrefix v6 = ClusterNode.parseCidr("fd00:10:244::/48");
        List<ClusterNode> nodes = List.of(
                dual("a", "10.244.1.0/24", "fd00:10:244:1::/64"),
                dual("b", "10.244.2.0/24", "fd00:99:244:2::/64"),
                dual("c", "10.244.3.0/24", "fd00:10:244:3::/64"),
                dual("d", "10.244.4.0/24", "fd00:10::/32"),
                n("e", "10.244.5.0/24", "192.168.0.5"));
        Topology t = Topology.of("a", nodes, CLUSTER, v6);
        assertNull(t.selfProblem());
        assertNull(t.selfWarning());
        assertEquals(
                List.of("b", "c", "d", "e"),
                t.peers().stream().map(ClusterNode::name).toList(),
                "every IPv4 range routed");
        assertEquals(
                Map.of(
                        "b",
                        "IPv6 podCIDR fd00:99:244:2::/64 lies outside the IPv6 cluster CIDR fd00:10:244::/48",
                        "d",
                        "IPv6 podCIDR fd00:10::/32 lies outside the IPv6 cluster CIDR fd00:10:244::/48"),
                t.ipv6Skipped(),
                "a range larger than the cluster CIDR is outside it too");
        assertEquals(
                List.of("fd00:10:244:3::/64"),
                t.peers().stream()
                        .map(ClusterNode::podCidrV6)
                        .filter(java.util.Objects::nonNull)
                        .map(IpPrefix::toString)
                        .toList());
        assertFalse(
                Topology.of("a", nodes, CLUSTER).ipv6Skipped().containsKey("b"), "no IPv6 cluster CIDR: not checked");
    }

    @Test
    void ownIpv6PodCidrOutsideTheIpv6ClusterCidrIsOnlyAWarning() {
        Topology t = Topology.of(
                "a",
                List.of(
                        dual("a", "10.244.1.0/24", "fd00:99:244:1::/64"),
                        dual("b", "10.244.2.0/24", "fd00:10:244:2::/64")),
                CLUSTER,
                ClusterNode.parseCidr("fd00:10:244::/48"));
        assertNull(t.selfProblem(), "IPv4 keeps working");
        assertEquals(
                "IPv6 podCIDR fd00:99:244:1::/64 lies outside the IPv6 cluster CIDR fd00:10:244::/48: other nodes do not route it",
                t.selfWarning());
        assertEquals("fd00:99:244:1::/64", t.self().podCidrV6().toString(), "its pods still get addresses from it");
        assertEquals("fd00:10:244:2::/64", t.peers().get(0).podCidrV6().toString());
        AgentStatus status = new AgentStatus();
        status.selfWarning(t.selfWarning());
        assertEquals(List.of("node: " + t.selfWarning()), status.warnings());
    }

    static final IpPrefix CLUSTER_V6 = ClusterNode.parseCidr("fd00:10:244::/48");

    @Test
    void ipv6OnlyNodesArePeersThroughTheirIpv6PodCidrAndInternalIp() {
        Topology t = Topology.of(
                "a",
                List.of(
                        n("a", "fd00:10:244:1::/64", "fd00:50::1"),
                        n("b", "fd00:10:244:2::/64", "fd00:50::2"),
                        n("c", "fd00:10:244:3::/64", null)),
                CLUSTER,
                CLUSTER_V6);
        assertNull(t.selfProblem());
        assertTrue(t.self().ipv6Only());
        assertEquals(List.of("b"), t.peers().stream().map(ClusterNode::name).toList());
        assertEquals("fd00:50:0:0:0:0:0:2", t.peers().get(0).underlayAddress().getHostAddress());
        assertEquals("no InternalIP", t.skipped().get("c"));
        assertNull(t.selfWarning());
    }

    @Test
    void anIpv6OnlyPeerWhoseOnlyRangeCannotBeRoutedIsSkipped() {
        Topology t = Topology.of(
                "a",
                List.of(
                        n("a", "fd00:10:244:1::/64", "fd00:50::1"),
                        n("b", "fd00:10:244:1::/80", "fd00:50::2"),
                        n("c", "fd00:99::/64", "fd00:50::3")),
                CLUSTER,
                CLUSTER_V6);
        assertTrue(t.peers().isEmpty());
        assertEquals(
                "IPv6 podCIDR fd00:10:244:1::/80 overlaps fd00:10:244:1::/64 of node a",
                t.skipped().get("b"));
        assertEquals(
                "IPv6 podCIDR fd00:99::/64 lies outside the IPv6 cluster CIDR fd00:10:244::/48",
                t.skipped().get("c"));
        assertEquals(
                "IPv6 podCIDR fd00:99::/64 lies outside the IPv6 cluster CIDR fd00:10:244::/48",
                Topology.of("c", List.of(n("c", "fd00:99::/64", "fd00:50::3")), CLUSTER, CLUSTER_V6)
                        .selfProblem(),
                "its only range: a problem of its own, not a warning");
    }

    @Test
    void anIpv6OnlyPeerOfADualStackNodeGetsItsIpv6Route() {
        Topology t = Topology.of(
                "a",
                List.of(MockClusterNodes.dual("a", 1), n("b", "fd00:10:244:2::/64", "fd00:50::2")),
                CLUSTER,
                CLUSTER_V6);
        assertEquals(List.of("b"), t.peers().stream().map(ClusterNode::name).toList());
        assertNull(t.peers().get(0).podCidrV4());
    }

    /** Dual-stack node fixtures. */
    static final class MockClusterNodes {
        static ClusterNode dual(String name, int n) {
            return ClusterNode.from(MockCluster.dualStackNode(
                    name, "10.244." + n + ".0/24", "fd00:10:244:" + n + "::/64", "192.168.50." + n, "fd00:50::" + n));
        }
    }
}
