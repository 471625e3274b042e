package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.agent.Agent;
import dev.cni4j.agent.AgentConfig;
import dev.cni4j.e2e.Exec.Outcome;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * The node agent as the fast path of the packaged launchers: the agent (in-process, for a node
 * namespace, against fabric8's mock API server) writes its conflist and serves its socket; the
 * runtime's exec of {@code dist/bin/bridge} (with {@code CNI4J_FALLBACK=never}, so a call the
 * agent did not serve fails) makes, checks and deletes a pod with that conflist's bridge and
 * host-local (usePodCidr from the agent's pod CIDR file); the agent's /metrics count it all.
 */
class AgentFastPathExecTest {
    @TempDir
    Path tmp;

    @Test
    void theLaunchersCallsRunInTheAgentAndItsMetricsCountThem() throws Exception {
        TestNetworks.assumePrivileged();
        KubernetesMockServer api = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init();
        Path socketDir =
                Path.of("/tmp/cni4j-agent-e2e-" + ProcessHandle.current().pid());
        try (KubernetesClient client = api.createClient();
                TestNetworks net = TestNetworks.create()) {
            client.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName("node1")
                            .endMetadata()
                            .withNewSpec()
                            .withPodCIDR("10.244.9.0/24")
                            .withPodCIDRs("10.244.9.0/24")
                            .endSpec()
                            .withNewStatus()
                            .addNewAddress()
                            .withType("InternalIP")
                            .withAddress("192.168.50.1")
                            .endAddress()
                            .endStatus()
                            .build())
                    .create();
            Map<String, String> settings = new HashMap<>();
            settings.put("nodeName", "node1");
            settings.put("backend", "host-gw");
            settings.put("netns", net.node().toString());
            settings.put("confDir", tmp.resolve("net.d").toString());
            settings.put("binDir", tmp.resolve("bin").toString());
            settings.put("podCidrFile", tmp.resolve("podcidr").toString());
            settings.put("hostLocalDataDir", tmp.resolve("networks").toString());
            settings.put("clusterCidr", "10.244.0.0/16");
            settings.put("healthAddress", "127.0.0.1:0");
            settings.put("firewall", "nftables");
            settings.put("fastPathSocket", socketDir.resolve("cni.sock").toString());
            try (Agent agent = Agent.start(AgentConfig.of(settings), client)) {
                long deadline = System.currentTimeMillis() + 60_000;
                while (!agent.status().ready() || !metrics(agent).contains("\ncni4j_fastpath_serving 1\n")) {
                    assertTrue(System.currentTimeMillis() < deadline, "agent not ready and serving: " + metrics(agent));
                    Thread.sleep(50);
                }
                String conf = bridgeConf(tmp.resolve("net.d/10-cni4j.conflist"), tmp.resolve("networks"));
                Path pod = net.newPod();
                Map<String, String> env = Exec.env("ADD", "agent-pod", pod.toString(), "eth0");
                env.put("CNI4J_SOCKET", socketDir.resolve("cni.sock").toString());
                env.put("CNI4J_FALLBACK", "never");

                Outcome add = net.runInNode(() -> Exec.run("bridge", env, conf));
                assertEquals(0, add.exit(), add.stdout() + add.stderr());
                String ip = add.json().objects("ips").get(0).string("address");
                assertTrue(ip.startsWith("10.244.9."), "from the node's podCIDR: " + ip);
                assertTrue(net.exec(pod, "ip", "-o", "addr", "show", "eth0").contains(ip));

                env.put("CNI_COMMAND", "CHECK");
                Outcome check =
                        net.runInNode(() -> Exec.run("bridge", env, BridgeInteropExecTest.withPrev(conf, add.json())));
                assertEquals(0, check.exit(), check.stdout() + check.stderr());
                assertTrue(
                        metrics(agent).contains("\ncni4j_ipam_allocated_ips{network=\"cni4j\"} 1\n"), metrics(agent));

                env.put("CNI_COMMAND", "DEL");
                Outcome del =
                        net.runInNode(() -> Exec.run("bridge", env, BridgeInteropExecTest.withPrev(conf, add.json())));
                assertEquals(0, del.exit(), del.stdout() + del.stderr());
                assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no veth left");

                env.put("CNI_COMMAND", "ADD");
                env.put("CNI_NETNS", "/nonexistent");
                Outcome bad = net.runInNode(() -> Exec.run("bridge", env, conf));
                LoopbackExecTest.assertError(bad, 4);

                String m = metrics(agent);
                for (String line : new String[] {
                    "cni4j_cni_requests_total{plugin=\"bridge\",command=\"ADD\",result=\"success\"} 1",
                    "cni4j_cni_requests_total{plugin=\"bridge\",command=\"ADD\",result=\"error\"} 1",
                    "cni4j_cni_requests_total{plugin=\"bridge\",command=\"CHECK\",result=\"success\"} 1",
                    "cni4j_cni_requests_total{plugin=\"bridge\",command=\"DEL\",result=\"success\"} 1",
                    "cni4j_cni_request_duration_seconds_count{plugin=\"bridge\",command=\"ADD\"} 2",
                    "cni4j_ipam_allocated_ips{network=\"cni4j\"} 0"
                }) {
                    assertTrue(m.contains("\n" + line + "\n"), line + " in\n" + m);
                }
            }
            assertFalse(Files.exists(socketDir.resolve("cni.sock")), "the socket goes with the agent");
        } finally {
            api.destroy();
            FastPathDaemons.deleteTree(socketDir);
        }
    }

    /** The conflist's first plugin as a single network config, with host-local's reservations under {@code dataDir}. */
    private static String bridgeConf(Path conflist, Path dataDir) throws Exception {
        var mapper = Serialization.jsonMapper();
        ObjectNode list = (ObjectNode) mapper.readTree(Files.readString(conflist));
        ObjectNode conf = (ObjectNode) list.get("plugins").get(0);
        conf.put("cniVersion", list.get("cniVersion").asString());
        conf.put("name", list.get("name").asString());
        ((ObjectNode) conf.get("ipam")).put("dataDir", dataDir.toString());
        return mapper.writeValueAsString(conf);
    }

    private static String metrics(Agent agent) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.healthPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }
}
