package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static dev.cni4j.agent.SimulatedCluster.ownedIpv6Routes;
import static dev.cni4j.agent.SimulatedCluster.podIp;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
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
 * Privileged: dual-stack nodes (an IPv4 and an IPv6 pod CIDR each) with an agent each. Pods made
 * by our bridge and host-local plugins from the agent's default conflist (one usePodCidr range
 * set, expanded to both families) get both addresses and reach pods on other nodes over IPv6
 * without NAT, with either backend. host-gw routes via the peers' IPv6 InternalIPs on the shared
 * segment; vxlan carries IPv6 over its IPv4 underlay, also to node3 one routed hop away whose
 * segment has no IPv6 at all. A node losing its IPv6 pod CIDR loses its IPv6 routes on the others.
 * With an IPv6 cluster CIDR (fd00:10:244::/48), IPv6 traffic leaving the cluster is masqueraded
 * to the node's IPv6 address (nftables with host-gw, iptables and ip6tables with vxlan), pod to
 * pod traffic is not, and a node whose IPv6 pod CIDR lies outside it gets no IPv6 route.
 */
class DualStackPrivilegedTest {
    static final String CLUSTER_CIDR_V6 = "fd00:10:244::/48";

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    static String podCidrV6(int n) {
        return "fd00:10:244:" + n + "::/64";
    }

    static String podIpV6(int n) {
        return "fd00:10:244:" + n + "::2";
    }

    @Test
    void hostGwRoutesIpv6ViaTheIpv6InternalIp(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            Map<Integer, Agent> agents = start(cluster, api, "host-gw", "nftables", 2, dir);
            try {
                assertEquals(List.of("fd00:10:244:2::/64 via fd00:50::2"), ownedIpv6Routes(cluster.nodes.get(1)));
                assertEquals(List.of("fd00:10:244:1::/64 via fd00:50::1"), ownedIpv6Routes(cluster.nodes.get(2)));
                podsTalk(cluster, dir, 2);
                egressIsMasqueraded(cluster);
                // an IPv6 pod CIDR outside the IPv6 cluster CIDR: reported, not routed; its IPv4 one is
                api.create(MockCluster.dualStackNode(
                        "node5", "10.244.5.0/24", "fd00:99:244:5::/64", "192.168.50.5", "fd00:50::5"));
                Agent first = agents.get(1);
                assertTrue(
                        await(
                                Duration.ofSeconds(5),
                                () -> first.status()
                                        .warnings()
                                        .contains(
                                                "node node5 IPv6 skipped: IPv6 podCIDR fd00:99:244:5::/64 lies outside the IPv6 cluster CIDR "
                                                        + CLUSTER_CIDR_V6)),
                        first.status().warnings().toString());
                assertTrue(await(
                        Duration.ofSeconds(5),
                        () -> SimulatedCluster.routes(cluster.nodes.get(1)).contains("10.244.5.0/24")));
                assertEquals(List.of("fd00:10:244:2::/64 via fd00:50::2"), ownedIpv6Routes(cluster.nodes.get(1)));
                api.delete("node5");
                dropIpv6PodCidr(api, cluster, 2);
                // a dual-stack node without an IPv6 InternalIP: its IPv4 range is routed, the IPv6 one reported
                api.create(MockCluster.dualStackNode("node4", "10.244.4.0/24", podCidrV6(4), "192.168.50.4", null));
                Agent a1 = agents.get(1);
                assertTrue(
                        await(
                                Duration.ofSeconds(5),
                                () -> a1.status()
                                        .warnings()
                                        .contains(
                                                "node node4 pending: IPv6 podCIDR fd00:10:244:4::/64 not routed: the node has no IPv6 InternalIP")),
                        a1.status().warnings().toString());
                assertTrue(SimulatedCluster.routes(cluster.nodes.get(1)).contains("10.244.4.0/24"));
                assertTrue(a1.status().ready());
            } finally {
                agents.values().forEach(Agent::close);
            }
        }
    }

    @Test
    void vxlanCarriesIpv6OverTheIpv4Underlay(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(3);
                MockCluster api = new MockCluster()) {
            Map<Integer, Agent> agents = start(cluster, api, "vxlan", "iptables", 3, dir);
            try {
                for (int n = 1; n <= 3; n++) {
                    try (NetNs ns = NetNs.open(cluster.nodes.get(n));
                            Rtnl rtnl = Rtnl.open(ns)) {
                        int vtep = rtnl.links().require("cni4j.1").index();
                        String want = "fd00:10:244:" + n + "::";
                        assertTrue(
                                rtnl.addresses().list(vtep, Rtnl.AF_INET6).stream()
                                        .anyMatch(a -> a.prefixLength() == 128
                                                && IpAddress.of(a.address())
                                                        .toString()
                                                        .equals(want)),
                                "IPv6 VTEP address " + want + "/128 on node" + n);
                        assertEquals(
                                "1", Sysctl.get(ns, "net/ipv6/conf/all/forwarding"), "IPv6 forwarding on node" + n);
                    }
                }
                assertEquals(
                        List.of("fd00:10:244:2::/64 via fd00:10:244:2::", "fd00:10:244:3::/64 via fd00:10:244:3::"),
                        ownedIpv6Routes(cluster.nodes.get(1)).stream().sorted().toList());
                podsTalk(cluster, dir, 3);
                egressIsMasqueraded(cluster);
                dropIpv6PodCidr(api, cluster, 3);
                // the route goes first, the neighbour in the same pass: wait for the pass, not the route alone
                assertTrue(
                        await(Duration.ofSeconds(5), () -> !hasNdpEntry(cluster.nodes.get(1), "fd00:10:244:3::")),
                        "node3's IPv6 VTEP neighbour gone on node1");
                assertTrue(hasNdpEntry(cluster.nodes.get(1), "fd00:10:244:2::"), "node2's stays");
            } finally {
                agents.values().forEach(Agent::close);
            }
        }
    }

    /**
     * Dual-stack Node objects (IPv6 InternalIPs on the shared segment), agents with both cluster
     * CIDRs and the given firewall, ready with both families' routes.
     */
    private static Map<Integer, Agent> start(
            SimulatedCluster cluster, MockCluster api, String backend, String firewall, int nodes, Path dir)
            throws InterruptedException {
        for (int n = 1; n <= nodes; n++) {
            String v6 = n == 3 ? null : SimulatedCluster.nodeIpV6(n);
            if (v6 != null) {
                cluster.addIpv6Underlay(n);
            }
            api.create(MockCluster.dualStackNode(
                    "node" + n, "10.244." + n + ".0/24", podCidrV6(n), SimulatedCluster.nodeIp(n), v6));
        }
        Map<Integer, Agent> agents = new LinkedHashMap<>();
        for (int n = 1; n <= nodes; n++) {
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
                            Duration.ofSeconds(15),
                            () -> a.status().ready()
                                    && a.metrics().routesProgrammed.get() == 2 * (nodes - 1)),
                    "node" + e.getKey() + " ready with IPv4 and IPv6 routes: "
                            + a.status().blocking() + " " + a.status().warnings());
            assertTrue(a.status().warnings().isEmpty(), a.status().warnings().toString());
        }
        return agents;
    }

    /**
     * A pod per node from the agent's conflist; every pair pings over IPv6; TCP shows the sender's IPv6 pod address.
     */
    private static void podsTalk(SimulatedCluster cluster, Path dir, int nodes) throws Exception {
        for (int n = 1; n <= nodes; n++) {
            Path nodeDir = dir.resolve("node" + n);
            assertEquals("10.244." + n + ".0/24\n" + podCidrV6(n) + "\n", Files.readString(nodeDir.resolve("podcidr")));
            List<String> ips = cluster.addPodWithPluginsAllIps(
                    n, nodeDir.resolve("net.d/10-cni4j.conflist"), nodeDir.resolve("networks"), "pod-on-node" + n);
            assertEquals(List.of(podIp(n), podIpV6(n)), ips, "both families from one usePodCidr range set");
        }
        // a node forwarding to its pods solicits from cni0's link-local address, which stays tentative
        // (DAD) for a second or two after the bridge appears: until then forwarded IPv6 is dropped
        for (int n = 1; n <= nodes; n++) {
            Path node = cluster.nodes.get(n);
            assertTrue(await(Duration.ofSeconds(10), () -> noTentativeAddress(node)), "DAD done on node" + n);
        }
        for (int from = 1; from <= nodes; from++) {
            for (int to = 1; to <= nodes; to++) {
                if (from != to) {
                    assertTrue(
                            cluster.ping(cluster.pods.get(from), podIpV6(to)), "ping -6 pod" + from + " -> pod" + to);
                }
            }
        }
        try (var echo = new SimulatedCluster.Echo(cluster.pods.get(nodes), 7777, "::")) {
            assertEquals(
                    "from " + podIpV6(1),
                    cluster.nc(cluster.pods.get(1), podIpV6(nodes), 7777),
                    "no NAT between IPv6 pods");
            assertEquals("from " + podIp(1), cluster.nc(cluster.pods.get(1), podIp(nodes), 7777), "IPv4 still works");
        }
    }

    /**
     * The pods on nodes 1 and 2 reach "outside", which has no route back to pod addresses, over
     * both families: each connection arrives from its node's address of that family.
     */
    private static void egressIsMasqueraded(SimulatedCluster cluster) throws Exception {
        try (var echo = new SimulatedCluster.Echo(cluster.outside, 8080, "::")) {
            for (int n = 1; n <= 2; n++) {
                Path pod = cluster.pods.get(n);
                assertEquals(
                        "from " + SimulatedCluster.nodeIpV6(n),
                        cluster.nc(pod, SimulatedCluster.OUTSIDE_IPV6, 8080),
                        "IPv6 egress of pod" + n + " masqueraded");
                assertEquals(
                        "from " + SimulatedCluster.nodeIp(n),
                        cluster.nc(pod, SimulatedCluster.OUTSIDE_IP, 8080),
                        "IPv4 egress of pod" + n + " masqueraded");
            }
        }
    }

    /** Node {@code n} becomes IPv4-only: node1 drops its IPv6 route, keeps the IPv4 one. */
    private static void dropIpv6PodCidr(MockCluster api, SimulatedCluster cluster, int n) throws InterruptedException {
        api.client.nodes().withName("node" + n).edit(node -> {
            node.getSpec().setPodCIDRs(List.of("10.244." + n + ".0/24"));
            return node;
        });
        Path node1 = cluster.nodes.get(1);
        assertTrue(
                await(
                        Duration.ofSeconds(5),
                        () -> ownedIpv6Routes(node1).stream().noneMatch(r -> r.startsWith(podCidrV6(n)))),
                ownedIpv6Routes(node1).toString());
        assertTrue(SimulatedCluster.routes(node1).contains("10.244." + n + ".0/24"));
    }

    static boolean noTentativeAddress(Path ns) {
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            return rtnl.addresses().list(0, Rtnl.AF_INET6).stream().noneMatch(Address::isTentative);
        }
    }

    private static boolean hasNdpEntry(Path node, String address) {
        try (NetNs ns = NetNs.open(node);
                Rtnl rtnl = Rtnl.open(ns)) {
            int vtep = rtnl.links().require("cni4j.1").index();
            return rtnl.neighbours().list(Rtnl.AF_INET6, vtep).stream()
                    .anyMatch(nb -> nb.isPermanent()
                            && IpAddress.of(nb.address()).toString().equals(address));
        }
    }
}
