package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ApiAccess;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: records every request two vxlan agents make to the mock API (their client has its
 * own User-Agent) through start, node changes and stop, and checks they need exactly the RBAC
 * verbs of {@link ApiAccess} (which ManifestsTest checks against deploy/clusterrole.yaml).
 */
class ApiCallsPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void agentCallsOnlyWhatTheClusterRoleGrants(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster();
                KubernetesClient agentClient = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder(api.client.getConfiguration())
                                .withUserAgent("cni4j-agent-under-test")
                                .build())
                        .build()) {
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            api.create(MockCluster.node("node2", "10.244.2.0/24", "192.168.50.2"));
            Agent a1 = Agent.start(
                    AgentConfig.of(MockCluster.agentSettings("vxlan", 1, cluster.nodes.get(1), dir.resolve("n1"))),
                    agentClient);
            Agent a2 = Agent.start(
                    AgentConfig.of(MockCluster.agentSettings("vxlan", 2, cluster.nodes.get(2), dir.resolve("n2"))),
                    agentClient);
            try {
                assertTrue(
                        await(
                                Duration.ofSeconds(15),
                                () -> a1.status().ready()
                                        && a2.status().ready()
                                        && a1.metrics().routesProgrammed.get() == 1),
                        a1.status().blocking().toString());
                api.create(MockCluster.node("node4", "10.244.4.0/24", "192.168.50.4"));
                assertTrue(await(
                        Duration.ofSeconds(5),
                        () -> a1.status().skippedNodes().isEmpty()
                                && a1.metrics().nodesKnown.get() == 3));
                api.delete("node4");
                assertTrue(await(
                        Duration.ofSeconds(5), () -> a1.metrics().nodesKnown.get() == 2));
            } finally {
                a1.close();
                a2.close();
            }
            Set<String> verbs = new HashSet<>();
            int total = api.server.getRequestCount();
            for (int i = 0; i < total; i++) {
                RecordedRequest r = api.server.takeRequest(1, TimeUnit.SECONDS);
                if (r == null || !"cni4j-agent-under-test".equals(r.getHeader("User-Agent"))) {
                    continue;
                }
                String path = r.getPath();
                assertTrue(path.startsWith("/api/v1/nodes"), "only Nodes: " + r.getRequestLine());
                verbs.add(verb(r.getMethod(), path));
            }
            assertEquals(ApiAccess.CORE_VERBS.get("nodes"), verbs);
        }
    }

    /** The RBAC verb of a request on /api/v1/nodes[/NAME][?query]. */
    static String verb(String method, String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        boolean named = p.length() > "/api/v1/nodes/".length();
        return switch (method) {
            case "GET" -> path.contains("watch=true") ? "watch" : named ? "get" : "list";
            case "PATCH" -> "patch";
            case "PUT" -> "update";
            case "POST" -> "create";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method;
        };
    }
}
