package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: a host-gw agent against the mock API while it fails the way a real server does
 * ({@link MockCluster.Faults}): the agent counts the errors, says why on /readyz, keeps its
 * routes, and sees the next Node change once the server behaves again.
 */
class ApiFaultsPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    private static Map<String, String> settings(SimulatedCluster cluster, Path dir) {
        return MockCluster.agentSettings("host-gw", 1, cluster.nodes.get(1), dir);
    }

    private static void twoNodes(MockCluster api) {
        api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
        api.create(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"));
    }

    @Test
    void watchRefusedWith403IsCountedReportedAndOutlived(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            twoNodes(api);
            try (Agent a = Agent.start(AgentConfig.of(settings(cluster, dir)), api.client)) {
                assertTrue(
                        await(Duration.ofSeconds(20), () -> a.status().ready() && api.faults.openWatches() > 0),
                        a.status().blocking().toString());
                long errors = a.metrics().apiErrors.get();
                // a restarted server: the watch ends, and re-opening it is refused for a while
                api.faults.forbidWatches(Duration.ofSeconds(14));
                api.faults.endWatchesWithGone();
                assertTrue(
                        await(
                                Duration.ofSeconds(10),
                                () -> a.metrics().apiErrors.get() > errors),
                        "403 on watch counted");
                assertTrue(
                        await(
                                Duration.ofSeconds(14),
                                () -> a.status().blocking().stream()
                                        .anyMatch(b -> b.startsWith("api: Node watch down for")
                                                && b.contains("HTTP 403 Forbidden"))),
                        a.status().blocking().toString());
                assertTrue(SimulatedCluster.routes(cluster.nodes.get(1)).contains("10.244.2.0/24"), "routes stay");
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                assertTrue(
                        await(
                                Duration.ofSeconds(40),
                                () -> SimulatedCluster.routes(cluster.nodes.get(1))
                                        .contains("10.244.4.0/24")),
                        "the change made while the watch was refused is seen once it is allowed again");
                assertTrue(
                        await(Duration.ofSeconds(10), () -> a.status().ready()),
                        a.status().blocking().toString());
                assertTrue(MultiNodePrivilegedTest.get(a, "/metrics")
                        .matches("(?s).*\ncni4j_agent_api_errors_total [1-9].*"));
            }
        }
    }

    @Test
    void aShortRefusalAfterAServerRestartDoesNotFlapReadiness(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            twoNodes(api);
            try (Agent a = Agent.start(AgentConfig.of(settings(cluster, dir)), api.client)) {
                assertTrue(
                        await(Duration.ofSeconds(20), () -> a.status().ready() && api.faults.openWatches() > 0),
                        a.status().blocking().toString());
                api.faults.forbidWatches(Duration.ofSeconds(1));
                api.faults.endWatchesWithGone();
                long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
                while (System.nanoTime() < end) {
                    assertTrue(
                            a.status().ready(),
                            "a second of 403 is no reason to drop out: "
                                    + a.status().blocking());
                    Thread.sleep(50);
                }
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                assertTrue(await(
                        Duration.ofSeconds(20),
                        () -> SimulatedCluster.routes(cluster.nodes.get(1)).contains("10.244.4.0/24")));
            }
        }
    }

    @Test
    void aWatchEndedWith410GoneIsReListed(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            twoNodes(api);
            try (Agent a = Agent.start(AgentConfig.of(settings(cluster, dir)), api.client)) {
                assertTrue(
                        await(Duration.ofSeconds(20), () -> a.status().ready() && api.faults.openWatches() > 0),
                        a.status().blocking().toString());
                assertTrue(api.faults.endWatchesWithGone() > 0);
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                assertTrue(await(
                        Duration.ofSeconds(20),
                        () -> SimulatedCluster.routes(cluster.nodes.get(1)).contains("10.244.4.0/24")));
                api.delete("node4");
                assertTrue(
                        await(
                                Duration.ofSeconds(20),
                                () -> !SimulatedCluster.routes(cluster.nodes.get(1))
                                        .contains("10.244.4.0/24")),
                        "the new watch delivers too");
                assertTrue(a.status().ready(), a.status().blocking().toString());
            }
        }
    }

    @Test
    void aWatchThatStopsSendingIsRestartedAfterTheSilenceLimit(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            twoNodes(api);
            Map<String, String> s = settings(cluster, dir);
            s.put("watchSilenceSeconds", "3");
            try (Agent a = Agent.start(AgentConfig.of(s), api.client)) {
                assertTrue(
                        await(Duration.ofSeconds(20), () -> a.status().ready() && api.faults.openWatches() > 0),
                        a.status().blocking().toString());
                api.faults.silence(true); // the open watch delivers nothing from now on, and says nothing about it
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                assertTrue(
                        await(
                                Duration.ofSeconds(20),
                                () -> SimulatedCluster.routes(cluster.nodes.get(1))
                                        .contains("10.244.4.0/24")),
                        "seen through the re-list after the silent watch was dropped");
                assertTrue(a.metrics().watchRestarts.get() > 0);
                assertTrue(MultiNodePrivilegedTest.get(a, "/metrics")
                        .matches("(?s).*\ncni4j_agent_watch_restarts_total [1-9].*"));
            }
        }
    }

    @Test
    void aPatchRefusedWith403IsCountedAndRetriedWithoutBlockingReadiness(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            twoNodes(api);
            api.faults.forbidPatches(2);
            Map<String, String> s = MockCluster.agentSettings("vxlan", 1, cluster.nodes.get(1), dir);
            try (Agent a = Agent.start(AgentConfig.of(s), api.client)) {
                assertTrue(
                        await(Duration.ofSeconds(20), () -> a.status().ready()),
                        a.status().blocking().toString());
                assertTrue(
                        await(
                                Duration.ofSeconds(20),
                                () -> "192.168.50.1"
                                        .equals(
                                                api.client
                                                                        .nodes()
                                                                        .withName("node1")
                                                                        .get()
                                                                        .getMetadata()
                                                                        .getAnnotations()
                                                                == null
                                                        ? null
                                                        : api.client
                                                                .nodes()
                                                                .withName("node1")
                                                                .get()
                                                                .getMetadata()
                                                                .getAnnotations()
                                                                .get(ClusterNode.PUBLIC_IP))),
                        "published once the server allows it");
                assertTrue(
                        a.metrics().apiErrors.get() >= 2,
                        "both 403s counted: " + a.metrics().apiErrors.get());
                assertTrue(a.status().ready(), a.status().blocking().toString());
                assertTrue(
                        await(
                                Duration.ofSeconds(5),
                                () -> a.status().warnings().stream().noneMatch(w -> w.contains("annotations"))),
                        a.status().warnings().toString());
            }
        }
    }

    @Test
    void aBadTokenShowsAs401OnReadyz(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            twoNodes(api);
            api.faults.unauthorized(true);
            try (Agent a = Agent.start(AgentConfig.of(settings(cluster, dir)), api.client)) {
                assertTrue(
                        await(
                                Duration.ofSeconds(20),
                                () -> a.status().blocking().stream()
                                        .anyMatch(b ->
                                                b.startsWith("api: Nodes not listed yet; last API error: list nodes")
                                                        && b.contains("HTTP 401 Unauthorized"))),
                        a.status().blocking().toString());
                assertTrue(a.metrics().apiErrors.get() > 0);
                api.faults.unauthorized(false);
                assertTrue(
                        await(Duration.ofSeconds(30), () -> a.status().ready()),
                        a.status().blocking().toString());
            }
        }
    }
}
