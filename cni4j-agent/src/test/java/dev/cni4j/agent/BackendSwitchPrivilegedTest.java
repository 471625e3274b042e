package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static dev.cni4j.agent.SimulatedCluster.ownedIpv6Routes;
import static dev.cni4j.agent.SimulatedCluster.podIp;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.route.RouteBackend;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: two nodes on one segment change backend (agents restarted with the other one, as a
 * DaemonSet rollout would): vxlan → host-gw leaves no VXLAN device and plain routes, host-gw →
 * vxlan replaces the plain routes by onlink ones through the new device, for both families of
 * these dual-stack nodes; pods talk (over IPv4) in each phase.
 */
class BackendSwitchPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void vxlanToHostGwAndBack(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            for (int n = 1; n <= 2; n++) {
                cluster.addIpv6Underlay(n); // dual-stack, so the IPv6 routes are switched too
                api.create(MockCluster.dualStackNode(
                        "node" + n,
                        "10.244." + n + ".0/24",
                        "fd00:10:244:" + n + "::/64",
                        SimulatedCluster.nodeIp(n),
                        SimulatedCluster.nodeIpV6(n)));
            }
            cluster.addPod(1);
            cluster.addPod(2);

            runBoth(api, cluster, dir, "vxlan");
            for (int n = 1; n <= 2; n++) {
                assertTrue(hasVtep(cluster.nodes.get(n)), "vxlan device on node" + n);
                assertEquals(List.of("10.244." + (3 - n) + ".0 dev cni4j.1"), ownedRoutes(cluster.nodes.get(n)));
                assertEquals(
                        List.of(ipv6Route(3 - n) + " via fd00:10:244:" + (3 - n) + "::"),
                        ownedIpv6Routes(cluster.nodes.get(n)));
            }

            runBoth(api, cluster, dir, "host-gw");
            for (int n = 1; n <= 2; n++) {
                assertFalse(hasVtep(cluster.nodes.get(n)), "no vxlan device left on node" + n);
                assertEquals(
                        List.of("10.244." + (3 - n) + ".0 via " + SimulatedCluster.nodeIp(3 - n)),
                        ownedRoutes(cluster.nodes.get(n)));
                assertEquals(
                        List.of(ipv6Route(3 - n) + " via " + SimulatedCluster.nodeIpV6(3 - n)),
                        ownedIpv6Routes(cluster.nodes.get(n)));
            }

            runBoth(api, cluster, dir, "vxlan");
            for (int n = 1; n <= 2; n++) {
                assertTrue(hasVtep(cluster.nodes.get(n)), "vxlan device back on node" + n);
                assertEquals(List.of("10.244." + (3 - n) + ".0 dev cni4j.1"), ownedRoutes(cluster.nodes.get(n)));
                assertEquals(
                        List.of(ipv6Route(3 - n) + " via fd00:10:244:" + (3 - n) + "::"),
                        ownedIpv6Routes(cluster.nodes.get(n)));
            }
        }
    }

    /** Starts both nodes' agents with {@code backend}, checks pods talk, stops the agents. */
    private static void runBoth(MockCluster api, SimulatedCluster cluster, Path dir, String backend) throws Exception {
        Agent a1 = MultiNodePrivilegedTest.startAgent(api, backend, 1, cluster, dir);
        Agent a2 = MultiNodePrivilegedTest.startAgent(api, backend, 2, cluster, dir);
        try {
            assertTrue(
                    await(
                            Duration.ofSeconds(15),
                            () -> a1.status().ready()
                                    && a2.status().ready()
                                    && a1.metrics().routesProgrammed.get() == 2
                                    && a2.metrics().routesProgrammed.get() == 2),
                    backend + ": " + a1.status().blocking() + a1.status().warnings()
                            + a2.status().blocking() + a2.status().warnings());
            assertEquals(List.of(), a1.status().warnings(), backend + " on node1");
            assertEquals(List.of(), a2.status().warnings(), backend + " on node2");
            // every route replaced at the first try, not only after a resync
            assertEquals(
                    0,
                    a1.metrics().reconcileErrors.get()
                            + a2.metrics().reconcileErrors.get(),
                    backend + ": passes with errors");
            assertTrue(cluster.ping(cluster.pods.get(1), podIp(2)), backend + ": ping pod1 -> pod2");
            try (var echo = new SimulatedCluster.Echo(cluster.pods.get(2), 7777)) {
                assertEquals("from " + podIp(1), cluster.nc(cluster.pods.get(1), podIp(2), 7777), backend + ": no NAT");
            }
        } finally {
            a1.close();
            a2.close();
        }
    }

    private static String ipv6Route(int n) {
        return "fd00:10:244:" + n + "::/64";
    }

    private static boolean hasVtep(Path node) {
        try (NetNs ns = NetNs.open(node);
                Rtnl rtnl = Rtnl.open(ns)) {
            return rtnl.links().get("cni4j.1").isPresent();
        }
    }

    /** The agent's routes (protocol 75) as "DEST via GW" or "DEST dev NAME" for onlink ones through the vtep. */
    private static List<String> ownedRoutes(Path node) {
        try (NetNs ns = NetNs.open(node);
                Rtnl rtnl = Rtnl.open(ns)) {
            int vtep = rtnl.links().get("cni4j.1").map(l -> l.index()).orElse(-1);
            return rtnl.routes().list(Rtnl.AF_INET).stream()
                    .filter(r -> r.protocol() == RouteBackend.ROUTE_PROTOCOL)
                    .map(r -> r.destination().getHostAddress()
                            + (r.outputIndex() == vtep ? " dev cni4j.1" : " via " + gateway(r)))
                    .toList();
        }
    }

    private static String gateway(Route r) {
        return r.gateway() == null ? "-" : r.gateway().getHostAddress();
    }
}
