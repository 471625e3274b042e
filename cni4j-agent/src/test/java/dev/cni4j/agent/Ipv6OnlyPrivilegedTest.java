package dev.cni4j.agent;

import static dev.cni4j.agent.DualStackPrivilegedTest.CLUSTER_CIDR_V6;
import static dev.cni4j.agent.DualStackPrivilegedTest.podCidrV6;
import static dev.cni4j.agent.DualStackPrivilegedTest.podIpV6;
import static dev.cni4j.agent.SimulatedCluster.await;
import static dev.cni4j.agent.SimulatedCluster.ownedIpv6Routes;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.agent.route.VxlanBackend;
import dev.cni4j.agent.route.VxlanSettings;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: an IPv6-only cluster. Nodes 1 and 2 whose Node objects carry only an IPv6 pod
 * CIDR and an IPv6 InternalIP (fd00:50::n on the shared segment), an agent each with only
 * {@code clusterCidrV6} meaningful. The pod CIDR file holds the IPv6 range alone, so the default
 * conflist's {@code usePodCidr} gives pods an IPv6 address only; pods on the two nodes reach each
 * other without NAT, and egress to "outside" is masqueraded to the node's IPv6 address: host-gw
 * routes via the peer's IPv6 InternalIP, vxlan runs its device over the IPv6 underlay.
 */
class Ipv6OnlyPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void hostGwRoutesAnIpv6OnlyCluster(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            Map<Integer, Agent> agents = start(cluster, api, "host-gw", "nftables", dir);
            try {
                assertEquals(List.of("fd00:10:244:2::/64 via fd00:50::2"), ownedIpv6Routes(cluster.nodes.get(1)));
                assertEquals(List.of("fd00:10:244:1::/64 via fd00:50::1"), ownedIpv6Routes(cluster.nodes.get(2)));
                assertFalse(
                        SimulatedCluster.routes(cluster.nodes.get(1)).contains("10.244.2.0/24"), "no IPv4 pod routes");
                podsTalkAndEgressIsMasqueraded(cluster, dir);
            } finally {
                agents.values().forEach(Agent::close);
            }
        }
    }

    @Test
    void vxlanRunsOverAnIpv6Underlay(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            Map<Integer, Agent> agents = start(cluster, api, "vxlan", "iptables", dir);
            try {
                for (int n = 1; n <= 2; n++) {
                    try (NetNs ns = NetNs.open(cluster.nodes.get(n));
                            Rtnl rtnl = Rtnl.open(ns)) {
                        var dev = rtnl.links().require("cni4j.1");
                        VxlanSettings s = VxlanSettings.read(rtnl, dev.index());
                        assertEquals(
                                SimulatedCluster.ip(SimulatedCluster.nodeIpV6(n)),
                                s.local(),
                                "the VTEP's underlay is IPv6 on node" + n);
                        assertEquals(1500 - VxlanBackend.VXLAN_OVERHEAD_IPV6, dev.mtu());
                        assertTrue(
                                rtnl.addresses().list(dev.index(), Rtnl.AF_INET).isEmpty(), "no IPv4 VTEP address");
                        assertEquals("1", Sysctl.get(ns, "net/ipv6/conf/all/forwarding"));
                    }
                    assertEquals(
                            SimulatedCluster.nodeIpV6(n),
                            api.client
                                    .nodes()
                                    .withName("node" + n)
                                    .get()
                                    .getMetadata()
                                    .getAnnotations()
                                    .get(ClusterNode.PUBLIC_IP));
                }
                assertEquals(List.of("fd00:10:244:2::/64 via fd00:10:244:2::"), ownedIpv6Routes(cluster.nodes.get(1)));
                podsTalkAndEgressIsMasqueraded(cluster, dir);
            } finally {
                agents.values().forEach(Agent::close);
            }
        }
    }

    private static Map<Integer, Agent> start(
            SimulatedCluster cluster, MockCluster api, String backend, String firewall, Path dir)
            throws InterruptedException {
        for (int n = 1; n <= 2; n++) {
            cluster.addIpv6Underlay(n);
            api.create(MockCluster.node("node" + n, podCidrV6(n), SimulatedCluster.nodeIpV6(n)));
        }
        Map<Integer, Agent> agents = new LinkedHashMap<>();
        for (int n = 1; n <= 2; n++) {
            Map<String, String> settings =
                    MockCluster.agentSettings(backend, n, cluster.nodes.get(n), dir.resolve("node" + n));
            settings.put("clusterCidrV6", CLUSTER_CIDR_V6);
            settings.put("firewall", firewall);
            agents.put(n, Agent.start(AgentConfig.of(settings), api.client));
        }
        for (var e : agents.entrySet()) {
            Agent a = e.getValue();
            assertTrue(
                    await(
                            Duration.ofSeconds(20),
                            () -> a.status().ready()
                                    && a.metrics().routesProgrammed.get() == 1),
                    "node" + e.getKey() + " ready with its IPv6 route: "
                            + a.status().blocking() + " " + a.status().warnings());
            assertTrue(a.status().warnings().isEmpty(), a.status().warnings().toString());
        }
        return agents;
    }

    private static void podsTalkAndEgressIsMasqueraded(SimulatedCluster cluster, Path dir) throws Exception {
        for (int n = 1; n <= 2; n++) {
            Path nodeDir = dir.resolve("node" + n);
            assertEquals(podCidrV6(n) + "\n", Files.readString(nodeDir.resolve("podcidr")));
            List<String> ips = cluster.addPodWithPluginsAllIps(
                    n, nodeDir.resolve("net.d/10-cni4j.conflist"), nodeDir.resolve("networks"), "pod-on-node" + n);
            assertEquals(List.of(podIpV6(n)), ips, "an IPv6 address only");
        }
        for (int n = 1; n <= 2; n++) {
            Path node = cluster.nodes.get(n);
            assertTrue(
                    await(Duration.ofSeconds(10), () -> DualStackPrivilegedTest.noTentativeAddress(node)),
                    "DAD done on node" + n);
        }
        assertTrue(cluster.ping(cluster.pods.get(1), podIpV6(2)), "ping -6 pod1 -> pod2");
        assertTrue(cluster.ping(cluster.pods.get(2), podIpV6(1)), "ping -6 pod2 -> pod1");
        try (var echo = new SimulatedCluster.Echo(cluster.pods.get(2), 7777, "::")) {
            assertEquals(
                    "from " + podIpV6(1), cluster.nc(cluster.pods.get(1), podIpV6(2), 7777), "no NAT between pods");
        }
        try (var echo = new SimulatedCluster.Echo(cluster.outside, 8080, "::")) {
            for (int n = 1; n <= 2; n++) {
                assertEquals(
                        "from " + SimulatedCluster.nodeIpV6(n),
                        cluster.nc(cluster.pods.get(n), SimulatedCluster.OUTSIDE_IPV6, 8080),
                        "egress of pod" + n + " masqueraded to its node's IPv6 address");
            }
        }
    }
}
