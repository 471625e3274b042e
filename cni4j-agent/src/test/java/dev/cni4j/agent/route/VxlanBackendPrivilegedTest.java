package dev.cni4j.agent.route;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.AgentConfig;
import dev.cni4j.agent.MockCluster;
import dev.cni4j.agent.SimulatedCluster;
import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Neighbour;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Vxlan;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.api.model.Node;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Privileged: the vxlan backend alone against a node namespace (no API server). */
class VxlanBackendPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void replacesAMisconfiguredDeviceProgramsPeersAndRemovesThem(@TempDir Path dir) {
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                NetNs ns = NetNs.open(cluster.nodes.get(1));
                Rtnl rtnl = Rtnl.open(ns)) {
            int eth0 = rtnl.links().require("eth0").index();
            rtnl.links().create(new Vxlan("cni4j.1", 42, SimulatedCluster.ip("192.168.50.1"), eth0, 4789, false, 0));
            AgentConfig config = AgentConfig.of(MockCluster.agentSettings("vxlan", 1, cluster.nodes.get(1), dir));
            VxlanBackend backend = new VxlanBackend(rtnl, config.vxlan());

            Map<String, String> annotations =
                    backend.setUp(ClusterNode.from(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1")));
            assertEquals(
                    Map.of(ClusterNode.VTEP_MAC, VxlanBackend.macFor("node1"), ClusterNode.PUBLIC_IP, "192.168.50.1"),
                    annotations);
            Link dev = rtnl.links().require("cni4j.1");
            assertEquals(
                    new VxlanSettings(1, SimulatedCluster.ip("192.168.50.1"), eth0, 8472),
                    VxlanSettings.read(rtnl, dev.index()));
            assertEquals(1450, dev.mtu());
            assertEquals(VxlanBackend.macFor("node1"), dev.mac());
            assertTrue(rtnl.addresses().list(dev.index(), Rtnl.AF_INET).stream()
                    .anyMatch(a -> a.cidr().equals("10.244.1.0/32")));

            Node peer = MockCluster.node("node7", "10.244.7.0/24", "192.168.50.7");
            peer.getMetadata().setAnnotations(Map.of(ClusterNode.VTEP_MAC, "0e:00:00:00:00:07"));
            var result = backend.sync(List.of(ClusterNode.from(peer)));
            assertEquals(1, result.routes(), result.toString());
            assertTrue(result.errors().isEmpty(), result.errors().toString());
            Route route = rtnl.routes().list(Rtnl.AF_INET).stream()
                    .filter(r -> r.destinationText().equals("10.244.7.0/24"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("10.244.7.0", route.gateway().getHostAddress());
            assertEquals(dev.index(), route.outputIndex());
            assertEquals(RouteBackend.ROUTE_PROTOCOL, route.protocol());
            Neighbour fdb = rtnl.neighbours().list(Rtnl.AF_BRIDGE, dev.index()).stream()
                    .filter(n -> "0e:00:00:00:00:07".equals(n.mac()))
                    .findFirst()
                    .orElseThrow();
            assertEquals("192.168.50.7", fdb.address().getHostAddress());
            Neighbour arp = rtnl.neighbours().list(Rtnl.AF_INET, dev.index()).stream()
                    .filter(n -> n.address().getHostAddress().equals("10.244.7.0"))
                    .findFirst()
                    .orElseThrow();
            assertTrue(arp.isPermanent());
            assertEquals("0e:00:00:00:00:07", arp.mac());

            assertEquals(result, backend.sync(List.of(ClusterNode.from(peer))), "idempotent");
            var gone = backend.sync(List.of());
            assertEquals(3, gone.removed(), gone.toString());
            assertFalse(rtnl.routes().list(Rtnl.AF_INET).stream()
                    .anyMatch(r -> r.destinationText().equals("10.244.7.0/24")));
            assertTrue(rtnl.neighbours().list(Rtnl.AF_BRIDGE, dev.index()).stream()
                    .noneMatch(n -> "0e:00:00:00:00:07".equals(n.mac())));
        }
    }
}
