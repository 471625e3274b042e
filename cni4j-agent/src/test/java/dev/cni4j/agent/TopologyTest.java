package dev.cni4j.agent;

import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TopologyTest {
    static final Cidr CLUSTER = Cidr.parse("10.244.0.0/16");

    static ClusterNode n(String name, String cidr, String ip) {
        return ClusterNode.from(MockCluster.node(name, cidr, ip));
    }

    @Test
    void peersAreTheOtherUsableNodesSortedByName() {
        Topology t = Topology.of("b", List.of(n("c", "10.244.3.0/24", "192.168.0.3"), n("a", "10.244.1.0/24", "192.168.0.1"),
                n("b", "10.244.2.0/24", "192.168.0.2")), CLUSTER);
        assertNull(t.selfProblem());
        assertEquals("b", t.self().name());
        assertEquals(List.of("a", "c"), t.peers().stream().map(ClusterNode::name).toList());
        assertTrue(t.skipped().isEmpty());
    }

    @Test
    void nodesWithoutPodCidrOrAddressAreSkippedWithAReason() {
        Topology t = Topology.of("a", List.of(n("a", "10.244.1.0/24", "192.168.0.1"), n("nocidr", null, "192.168.0.5"),
                n("noip", "10.244.6.0/24", null)), CLUSTER);
        assertTrue(t.peers().isEmpty());
        assertTrue(t.skipped().get("nocidr").contains("no IPv4 podCIDR"));
        assertTrue(t.skipped().get("noip").contains("InternalIP"));
    }

    @Test
    void overlappingPodCidrsFirstClaimWinsAndSelfAlwaysWins() {
        Topology t = Topology.of("z", List.of(n("z", "10.244.1.0/24", "192.168.0.9"), n("a", "10.244.1.0/25", "192.168.0.1"),
                n("b", "10.244.2.0/24", "192.168.0.2"), n("c", "10.244.2.0/24", "192.168.0.3")), CLUSTER);
        assertEquals(List.of("b"), t.peers().stream().map(ClusterNode::name).toList());
        assertTrue(t.skipped().get("a").contains("overlaps 10.244.1.0/24 of node z"), t.skipped().toString());
        assertTrue(t.skipped().get("c").contains("overlaps 10.244.2.0/24 of node b"));
    }

    @Test
    void selfProblems() {
        assertTrue(Topology.of("x", List.of(), CLUSTER).selfProblem().contains("not found"));
        assertTrue(Topology.of("a", List.of(n("a", null, "192.168.0.1")), CLUSTER).selfProblem().contains("no IPv4 podCIDR"));
        assertTrue(Topology.of("a", List.of(n("a", "10.9.0.0/24", "192.168.0.1")), CLUSTER).selfProblem().contains("outside the cluster CIDR"));
    }

    @Test
    void readsAnnotationsAndReportsBadFields() {
        Node node = MockCluster.node("a", "10.244.1.0/24", "192.168.0.1");
        node.getMetadata().setAnnotations(Map.of(ClusterNode.VTEP_MAC, "0e:00:00:00:00:01", ClusterNode.PUBLIC_IP, "203.0.113.1"));
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
}
