package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static dev.cni4j.agent.SimulatedCluster.podIp;
import static dev.cni4j.agent.SimulatedCluster.routes;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.agent.route.VxlanBackend;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Neighbour;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.api.model.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: three simulated nodes (namespaces) with an agent each, in-process, against the
 * mock API. Pods on different nodes reach each other without NAT; egress is masqueraded; nodes
 * joining and leaving show up on the others; an agent restart does not disturb pods.
 */
class MultiNodePrivilegedTest {
    static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void vxlanConnectsPodsAcrossL2AndL3(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(3);
                MockCluster api = new MockCluster()) {
            for (int n = 1; n <= 3; n++) {
                api.create(MockCluster.node("node" + n, "10.244." + n + ".0/24", SimulatedCluster.nodeIp(n)));
            }
            Map<Integer, Agent> agents = new LinkedHashMap<>();
            try {
                for (int n = 1; n <= 3; n++) {
                    agents.put(n, startAgent(api, "vxlan", n, cluster, dir));
                }
                for (var e : agents.entrySet()) {
                    Agent a = e.getValue();
                    assertTrue(
                            await(
                                    Duration.ofSeconds(15),
                                    () -> a.status().ready()
                                            && a.metrics().routesProgrammed.get() == 2),
                            "node" + e.getKey() + " ready: " + a.status().blocking() + " "
                                    + a.status().warnings());
                }
                // pods from the agent's conflist and pod CIDR file, by our bridge + host-local plugins
                for (int n = 1; n <= 3; n++) {
                    Path nodeDir = dir.resolve("node" + n);
                    assertEquals(
                            podIp(n),
                            cluster.addPodWithPlugins(
                                    n, nodeDir.resolve("net.d/10-cni4j.conflist"), nodeDir.resolve("networks")));
                }

                // every pod reaches every other pod, and the receiver sees the sender's pod IP
                for (int from = 1; from <= 3; from++) {
                    for (int to = 1; to <= 3; to++) {
                        if (from != to) {
                            assertTrue(
                                    cluster.ping(cluster.pods.get(from), podIp(to)),
                                    "ping pod" + from + " -> pod" + to);
                        }
                    }
                }
                try (var echo = new SimulatedCluster.Echo(cluster.pods.get(3), 7777)) {
                    assertEquals(
                            "from " + podIp(1), cluster.nc(cluster.pods.get(1), podIp(3), 7777), "no NAT between pods");
                }
                try (var echo = new SimulatedCluster.Echo(cluster.pods.get(2), 7777)) {
                    assertEquals(
                            "from " + podIp(3), cluster.nc(cluster.pods.get(3), podIp(2), 7777), "no NAT across L3");
                }
                // leaving the cluster: masqueraded to the node's address
                try (var echo = new SimulatedCluster.Echo(cluster.outside, 8080)) {
                    assertEquals("from 192.168.50.1", cluster.nc(cluster.pods.get(1), "172.31.0.10", 8080));
                    assertEquals("from 192.168.60.3", cluster.nc(cluster.pods.get(3), "172.31.0.10", 8080));
                }

                // published annotations
                Node n2 = api.client.nodes().withName("node2").get();
                assertEquals(
                        VxlanBackend.macFor("node2"),
                        n2.getMetadata().getAnnotations().get(ClusterNode.VTEP_MAC));
                assertEquals("192.168.50.2", n2.getMetadata().getAnnotations().get(ClusterNode.PUBLIC_IP));

                // a fourth node joins (its own agent's annotations given directly), then leaves
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                Agent a1 = agents.get(1);
                assertTrue(
                        await(
                                FIVE_SECONDS,
                                () -> a1.status().warnings().stream()
                                        .anyMatch(w -> w.startsWith("node node4 pending: no cni4j.dev/vtep-mac"))),
                        a1.status().warnings().toString());
                api.client.nodes().withName("node4").edit(n -> {
                    n.getMetadata()
                            .setAnnotations(Map.of(
                                    ClusterNode.VTEP_MAC, "0e:00:00:00:00:04", ClusterNode.PUBLIC_IP, "192.168.50.4"));
                    return n;
                });
                for (int n = 1; n <= 3; n++) {
                    Path node = cluster.nodes.get(n);
                    assertTrue(
                            await(FIVE_SECONDS, () -> routes(node).contains("10.244.4.0/24")),
                            "node4 route on node" + n);
                    assertTrue(fdbHas(node, "0e:00:00:00:00:04"), "node4 fdb on node" + n);
                }
                api.delete("node4");
                for (int n = 1; n <= 3; n++) {
                    Path node = cluster.nodes.get(n);
                    assertTrue(
                            await(
                                    FIVE_SECONDS,
                                    () -> !routes(node).contains("10.244.4.0/24")
                                            && !fdbHas(node, "0e:00:00:00:00:04")),
                            "node4 entries gone on node" + n);
                }

                // restart node2's agent: pods keep talking while it is down and after
                agents.remove(2).close();
                assertTrue(cluster.ping(cluster.pods.get(1), podIp(2)), "ping while node2's agent is down");
                Agent again = startAgent(api, "vxlan", 2, cluster, dir);
                agents.put(2, again);
                assertTrue(await(Duration.ofSeconds(15), () -> again.status().ready()), "restarted agent ready");
                assertTrue(cluster.ping(cluster.pods.get(1), podIp(2)), "ping after restart");
                assertTrue(cluster.ping(cluster.pods.get(2), podIp(3)), "ping after restart across L3");

                // files for the runtime and host-local, and the operations endpoints
                Path node1Dir = dir.resolve("node1");
                assertEquals("10.244.1.0/24\n", Files.readString(node1Dir.resolve("podcidr")));
                String conflist = Files.readString(node1Dir.resolve("net.d/10-cni4j.conflist"));
                assertTrue(conflist.contains("\"usePodCidr\"") && conflist.contains("\"mtu\": 1450"), conflist);
                String metrics = get(agents.get(1), "/metrics");
                assertTrue(metrics.contains("\ncni4j_agent_routes_programmed 2\n"), metrics);
                assertTrue(metrics.contains("\ncni4j_agent_nodes_known 3\n"), metrics);
                assertTrue(metrics.contains("\ncni4j_ipam_allocated_ips{network=\"cni4j\"} 1\n"), metrics);
                assertTrue(get(agents.get(1), "/readyz").startsWith("ok"));

                // the seed's two example conflists (calico's keys, our bridge, host-local's usePodCidr
                // reading the agent's pod CIDR file) on these nodes: their pods reach each other across L3
                String[] seedIps = new String[4];
                String[] examples = {null, "k8s-hostport.conflist", null, "k8s-bandwidth.conflist"};
                for (int n : new int[] {1, 3}) {
                    Path nodeDir = dir.resolve("node" + n);
                    String example = Files.readString(Path.of("..", "examples", examples[n]))
                            .replace(
                                    "\"subnet\": \"usePodCidr\"",
                                    "\"subnet\": \"usePodCidr\", \"podCidrFile\": \"" + nodeDir.resolve("podcidr")
                                            + "\"");
                    Path seed = Files.writeString(nodeDir.resolve("seed-" + examples[n]), example);
                    seedIps[n] =
                            cluster.addPodWithPlugins(n, seed, nodeDir.resolve("networks"), "seed-pod-on-node" + n);
                    assertTrue(seedIps[n].startsWith("10.244." + n + "."), seedIps[n]);
                }
                assertTrue(cluster.ping(cluster.pods.get(1), seedIps[3]), "seed example pod on node1 -> node3");
                assertTrue(cluster.ping(cluster.pods.get(3), seedIps[1]), "seed example pod on node3 -> node1");
            } finally {
                agents.values().forEach(Agent::close);
            }
        }
    }

    @Test
    void hostGwConnectsPodsOnOneSegment(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            api.create(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"));
            Agent a1 = startAgent(api, "host-gw", 1, cluster, dir), a2 = startAgent(api, "host-gw", 2, cluster, dir);
            try {
                assertTrue(await(
                        Duration.ofSeconds(15),
                        () -> a1.status().ready()
                                && a2.status().ready()
                                && a1.metrics().routesProgrammed.get() == 1
                                && a2.metrics().routesProgrammed.get() == 1));
                cluster.addPod(1);
                cluster.addPod(2);
                assertTrue(cluster.ping(cluster.pods.get(1), podIp(2)));
                assertTrue(cluster.ping(cluster.pods.get(2), podIp(1)));
                try (var echo = new SimulatedCluster.Echo(cluster.pods.get(2), 7777)) {
                    assertEquals("from " + podIp(1), cluster.nc(cluster.pods.get(1), podIp(2), 7777));
                }
                try (var echo = new SimulatedCluster.Echo(cluster.outside, 8080)) {
                    assertEquals("from 192.168.50.2", cluster.nc(cluster.pods.get(2), "172.31.0.10", 8080));
                }
                // someone removes a route: the periodic resync (5 s here) puts it back
                try (NetNs ns = NetNs.open(cluster.nodes.get(1));
                        Rtnl rtnl = Rtnl.open(ns)) {
                    rtnl.routes().delete(dev.cni4j.linux.rtnl.Route.to(SimulatedCluster.ip("10.244.2.0"), 24));
                }
                assertFalse(routes(cluster.nodes.get(1)).contains("10.244.2.0/24"));
                assertTrue(
                        await(
                                Duration.ofSeconds(12),
                                () -> routes(cluster.nodes.get(1)).contains("10.244.2.0/24")),
                        "repaired");
                assertTrue(cluster.ping(cluster.pods.get(1), podIp(2)));
                // a node on another segment: host-gw cannot reach it; reported, the others unaffected
                api.create(MockCluster.node("node3", "10.244.3.0/24", "192.168.60.3"));
                assertTrue(
                        await(
                                FIVE_SECONDS,
                                () -> a1.status().warnings().stream().anyMatch(w -> w.contains("10.244.3.0/24"))),
                        a1.status().warnings().toString());
                assertTrue(a1.status().ready());
                assertTrue(cluster.ping(cluster.pods.get(1), podIp(2)));
                // a node joins and leaves
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                assertTrue(
                        await(FIVE_SECONDS, () -> routes(cluster.nodes.get(1)).contains("10.244.4.0/24")));
                api.delete("node4");
                assertTrue(
                        await(FIVE_SECONDS, () -> !routes(cluster.nodes.get(1)).contains("10.244.4.0/24")));
            } finally {
                a1.close();
                a2.close();
            }
        }
    }

    static Agent startAgent(MockCluster api, String backend, int n, SimulatedCluster cluster, Path dir) {
        return Agent.start(
                AgentConfig.of(MockCluster.agentSettings(backend, n, cluster.nodes.get(n), dir.resolve("node" + n))),
                api.client);
    }

    static boolean fdbHas(Path node, String mac) {
        try (NetNs ns = NetNs.open(node);
                Rtnl rtnl = Rtnl.open(ns)) {
            int dev = rtnl.links().require("cni4j.1").index();
            return rtnl.neighbours().list(Rtnl.AF_BRIDGE, dev).stream()
                    .map(Neighbour::mac)
                    .anyMatch(mac::equalsIgnoreCase);
        }
    }

    static String get(Agent a, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.healthPort() + path))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }
}
