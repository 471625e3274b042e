package dev.cni4j.agent;

import static dev.cni4j.agent.MultiNodePrivilegedTest.get;
import static dev.cni4j.agent.SimulatedCluster.await;
import static dev.cni4j.agent.SimulatedCluster.routes;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.agent.route.RouteBackend;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: bad input shows up as a condition in /readyz, metrics and logs; the agent keeps
 * running and never removes what working pods depend on.
 */
class BadInputPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void unknownBackendIsReportedAndNothingIsTouched(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                MockCluster api = new MockCluster()) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            Map<String, String> settings = MockCluster.agentSettings("udp", 1, cluster.nodes.get(1), dir);
            try (Agent a = Agent.start(AgentConfig.of(settings), api.client)) {
                Thread.sleep(500);
                assertFalse(a.status().ready());
                String readyz = get(a, "/readyz");
                assertTrue(readyz.contains("config: unknown backend \"udp\""), readyz);
                assertTrue(get(a, "/metrics").contains("\ncni4j_agent_config_valid 0\n"));
                assertEquals("ok\n", get(a, "/healthz"), "alive: no crash loop");
                try (NetNs ns = NetNs.open(cluster.nodes.get(1));
                        Rtnl rtnl = Rtnl.open(ns)) {
                    assertTrue(rtnl.links().get("cni4j.1").isEmpty());
                }
                assertFalse(Files.exists(dir.resolve("net.d/10-cni4j.conflist")));
            }
        }
    }

    private static String readyz(Agent a) {
        try {
            return get(a, "/readyz");
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void unreachableApiIsReportedRetriedAndExistingRoutesStay(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                KubernetesClient client = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder()
                                .withMasterUrl("http://127.0.0.1:" + port)
                                .withRequestRetryBackoffLimit(0)
                                .build())
                        .build()) {
            Path node = cluster.nodes.get(1);
            try (NetNs ns = NetNs.open(node);
                    Rtnl rtnl = Rtnl.open(ns)) { // left by an earlier agent run
                rtnl.routes()
                        .add(Route.to(SimulatedCluster.ip("10.244.2.0"), 24)
                                .via(SimulatedCluster.ip("192.168.50.2"))
                                .withProtocol(RouteBackend.ROUTE_PROTOCOL));
            }
            try (Agent a = Agent.start(AgentConfig.of(MockCluster.agentSettings("host-gw", 1, node, dir)), client)) {
                assertTrue(await(
                        Duration.ofSeconds(10), () -> a.metrics().apiErrors.get() > 0));
                // the cause, not just "not started": the request and how it failed (/readyz's api line is
                // refreshed once a second, so it may trail the error counter by that much)
                String cause = "api: Nodes not listed yet; last API error: list nodes (http://127.0.0.1:" + port
                        + "): ConnectException";
                assertTrue(await(Duration.ofSeconds(10), () -> readyz(a).contains(cause)), readyz(a));
                String metrics = get(a, "/metrics");
                assertTrue(metrics.contains("\ncni4j_agent_api_synced 0\n"), metrics);
                assertTrue(routes(node).contains("10.244.2.0/24"), "no API, no change: pods keep their routes");
            }
        }
    }

    @Test
    void failedSetUpIsReportedAndRetriedUntilItWorks(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            // node1's InternalIP is on none of its interfaces: vxlan has no underlay yet
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.11"));
            api.create(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"));
            Path node = cluster.nodes.get(1);
            try (Agent a = Agent.start(AgentConfig.of(MockCluster.agentSettings("vxlan", 1, node, dir)), api.client)) {
                assertTrue(
                        await(
                                Duration.ofSeconds(10),
                                () -> a.status().blocking().stream()
                                        .anyMatch(b -> b.contains(
                                                "backend: no interface holds the underlay address 192.168.50.11"))),
                        a.status().blocking().toString());
                assertTrue(get(a, "/metrics").matches("(?s).*\ncni4j_agent_reconcile_errors_total [1-9].*"));
                SimulatedCluster.address(node, "eth0", "192.168.50.11/24");
                assertTrue(
                        await(Duration.ofSeconds(10), () -> a.status().ready()),
                        a.status().blocking().toString());
                assertEquals(
                        "192.168.50.11",
                        api.client
                                .nodes()
                                .withName("node1")
                                .get()
                                .getMetadata()
                                .getAnnotations()
                                .get(ClusterNode.PUBLIC_IP));
            }
        }
    }

    @Test
    void agentStartedBeforeTheApiServerCatchesUpOnceItAnswers(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                KubernetesClient client = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder()
                                .withMasterUrl("http://127.0.0.1:" + port)
                                .withRequestRetryBackoffLimit(0)
                                .build())
                        .build();
                Agent a = Agent.start(
                        AgentConfig.of(MockCluster.agentSettings("host-gw", 1, cluster.nodes.get(1), dir)), client)) {
            assertTrue(await(Duration.ofSeconds(10), () -> a.metrics().apiErrors.get() > 0));
            var server = new io.fabric8.kubernetes.client.server.mock.KubernetesMockServer(
                    new io.fabric8.mockwebserver.Context(),
                    new io.fabric8.mockwebserver.MockWebServer(),
                    new java.util.HashMap<>(),
                    new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(),
                    false);
            server.init(java.net.InetAddress.getLoopbackAddress(), port);
            try (KubernetesClient admin = server.createClient()) {
                admin.nodes()
                        .resource(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"))
                        .create();
                admin.nodes()
                        .resource(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"))
                        .create();
                assertTrue(
                        await(Duration.ofSeconds(60), () -> a.status().ready()),
                        a.status().blocking().toString());
                assertTrue(routes(cluster.nodes.get(1)).contains("10.244.2.0/24"));
            } finally {
                server.destroy();
            }
        }
    }

    @Test
    void badNodesAreSkippedAndAnOwnNodeWithoutPodCidrBlocksReadinessOnly(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            api.create(MockCluster.node("node1", null, "192.168.50.1"));
            api.create(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"));
            api.create(MockCluster.node("node3", null, "192.168.50.3"));
            api.create(MockCluster.node("node4", "10.244.2.0/25", "192.168.50.4"));
            Path node = cluster.nodes.get(1);
            try (Agent a =
                    Agent.start(AgentConfig.of(MockCluster.agentSettings("host-gw", 1, node, dir)), api.client)) {
                assertTrue(
                        await(
                                Duration.ofSeconds(10),
                                () -> a.status().blocking().stream()
                                        .anyMatch(b -> b.contains("has no podCIDR assigned"))),
                        a.status().blocking().toString());
                assertEquals(503, status(a));
                assertFalse(
                        Files.exists(dir.resolve("net.d/10-cni4j.conflist")),
                        "not ready: no conflist, the runtime waits");
                assertFalse(Files.exists(dir.resolve("podcidr")));

                api.client.nodes().withName("node1").edit(n -> {
                    n.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
                    n.getSpec().setPodCIDR("10.244.1.0/24");
                    n.getSpec().setPodCIDRs(List.of("10.244.1.0/24"));
                    return n;
                });
                assertTrue(
                        await(Duration.ofSeconds(5), () -> a.status().ready()),
                        a.status().blocking().toString());
                assertEquals(200, status(a));
                assertEquals("10.244.1.0/24\n", Files.readString(dir.resolve("podcidr")));
                List<String> r = routes(node);
                assertTrue(r.contains("10.244.2.0/24") && !r.contains("10.244.2.0/25"), r.toString());
                String readyz = get(a, "/readyz");
                assertTrue(readyz.contains("warning: node node3 skipped: no podCIDR"), readyz);
                assertTrue(
                        readyz.contains(
                                "warning: node node4 skipped: podCIDR 10.244.2.0/25 overlaps 10.244.2.0/24 of node node2"),
                        readyz);
                String metrics = get(a, "/metrics");
                assertTrue(
                        metrics.contains("\ncni4j_agent_nodes_skipped 2\n")
                                && metrics.contains("cni4j_agent_node_skipped{node=\"node4\"} 1"),
                        metrics);

                // the own Node loses its podCIDR (bad input later on): reported, nothing torn down
                api.client.nodes().withName("node1").edit(n -> {
                    n.getSpec().setPodCIDR(null);
                    n.getSpec().setPodCIDRs(List.of());
                    return n;
                });
                assertTrue(await(Duration.ofSeconds(5), () -> !a.status().ready()));
                assertTrue(routes(node).contains("10.244.2.0/24"));
                assertTrue(Files.exists(dir.resolve("net.d/10-cni4j.conflist")));
            }
        }
    }

    static int status(Agent a) throws Exception {
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(
                            java.net.http.HttpRequest.newBuilder(
                                            java.net.URI.create("http://127.0.0.1:" + a.healthPort() + "/readyz"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }
}
