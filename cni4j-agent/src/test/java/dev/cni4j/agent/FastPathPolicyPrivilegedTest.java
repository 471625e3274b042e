package dev.cni4j.agent;

import static dev.cni4j.agent.FastPathPrivilegedTest.call;
import static dev.cni4j.agent.FastPathPrivilegedTest.id;
import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.FastPathPrivilegedTest.Reply;
import dev.cni4j.agent.policy.PolicyController;
import dev.cni4j.daemon.FastPathProtocol;
import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: a bridge ADD served by the agent's fast path (the launcher's wire format, from the
 * node) registers the pod with the policy controller before the reply: a pod of a namespace with
 * a default-deny policy is in the table when the runtime gets its result, and its first connect
 * right after is dropped. Its DEL takes it out again.
 */
class FastPathPolicyPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void aServedAddReturnsOnlyOnceThePodIsPoliced(@TempDir Path dir) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                MockCluster api = new MockCluster()) {
            Path node = cluster.nodes.get(1);
            Path socket = dir.resolve("cni4j-run/cni.sock");
            Map<String, String> settings = NetworkPolicyPrivilegedTest.denyAllInXWithFastPath(api, node, dir, socket);
            try (Agent a = Agent.start(AgentConfig.of(settings), api.client)) {
                assertTrue(
                        await(
                                Duration.ofSeconds(30),
                                () -> a.status().ready()
                                        && a.policy().compiled() != null
                                        && FastPathPrivilegedTest.metric(a, "cni4j_fastpath_serving")
                                                .equals("1")),
                        a.status().blocking().toString());
                byte[] conf =
                        SimulatedCluster.bridgeConf(dir.resolve("net.d/10-cni4j.conflist"), dir.resolve("networks"));
                NsId nodeNet = id(node), mnt = id(Path.of("/proc/thread-self/ns/mnt"));

                // y/server: no policy in y
                Path serverNs = cluster.net.newPod();
                String serverUid = pod(api, "y", "server");
                Reply s = call(
                        socket,
                        new Request(
                                nodeNet,
                                mnt,
                                "bridge",
                                env("ADD", "ctr-s", serverNs, dir, "y", "server", serverUid),
                                conf));
                assertEquals(0, s.exit(), s.stdout() + s.stderr());
                var server = new NetworkPolicyPrivilegedTest.TestPod(
                        "y",
                        "server",
                        serverUid,
                        1,
                        serverNs,
                        PolicyController.resultAddresses(s.stdout().getBytes())
                                .get(0)
                                .toString());
                try (var echo = new SimulatedCluster.Echo(serverNs, 80)) {
                    // x/p: selected by deny-all; the table has it once the runtime has the result
                    Path podNs = cluster.net.newPod();
                    String uid = pod(api, "x", "p");
                    Map<String, String> env = env("ADD", "ctr-p", podNs, dir, "x", "p", uid);
                    Reply add = call(socket, new Request(nodeNet, mnt, "bridge", env, conf));
                    assertEquals(0, add.exit(), add.stdout() + add.stderr());
                    String ip = PolicyController.resultAddresses(add.stdout().getBytes())
                            .get(0)
                            .toString();
                    var p = new NetworkPolicyPrivilegedTest.TestPod("x", "p", uid, 1, podNs, ip);
                    assertFalse(
                            NetworkPolicyPrivilegedTest.tcpOnce(p, server, 80, 1000),
                            "the first connect after ADD is dropped");
                    assertTrue(cluster.net
                            .exec(node, "nft", "list", "map", "inet", "cni4j_policy", "egress_v4")
                            .contains(ip));
                    // y/client, same way: y has no policy, so it reaches the server at once
                    Path clientNs = cluster.net.newPod();
                    String clientUid = pod(api, "y", "client");
                    Reply c = call(
                            socket,
                            new Request(
                                    nodeNet,
                                    mnt,
                                    "bridge",
                                    env("ADD", "ctr-c", clientNs, dir, "y", "client", clientUid),
                                    conf));
                    assertEquals(0, c.exit(), c.stdout() + c.stderr());
                    var client = new NetworkPolicyPrivilegedTest.TestPod(
                            "y",
                            "client",
                            clientUid,
                            1,
                            clientNs,
                            PolicyController.resultAddresses(c.stdout().getBytes())
                                    .get(0)
                                    .toString());
                    assertTrue(
                            NetworkPolicyPrivilegedTest.tcp(client, server, 80),
                            "a pod of a namespace without policy is not isolated");

                    // DEL: its addresses are no longer the pod's
                    Reply del = call(
                            socket,
                            new Request(nodeNet, mnt, "bridge", env("DEL", "ctr-p", podNs, dir, "x", "p", uid), conf));
                    assertEquals(0, del.exit(), del.stdout() + del.stderr());
                    assertTrue(
                            await(
                                    Duration.ofSeconds(5),
                                    () -> !cluster.net
                                            .exec(node, "nft", "list", "map", "inet", "cni4j_policy", "egress_v4")
                                            .contains(ip + " ")),
                            "DEL takes the pod out of the table");
                }
                assertEquals(FastPathProtocol.ACCEPTED, s.status());
            }
        }
    }

    /** A pod object on node1; returns its UID. */
    static String pod(MockCluster api, String ns, String name) {
        Pod p = new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .withLabels(Map.of("pod", name))
                .endMetadata()
                .withNewSpec()
                .withNodeName("node1")
                .addNewContainer()
                .withName("c")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build();
        return api.client.pods().resource(p).create().getMetadata().getUid();
    }

    static Map<String, String> env(
            String command, String containerId, Path netns, Path dir, String ns, String name, String uid)
            throws Exception {
        Map<String, String> env =
                new HashMap<>(SimulatedCluster.bridgeEnv(command, containerId, netns, 1, dir.resolve("networks")));
        env.put(
                "CNI_ARGS",
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + ns + ";K8S_POD_NAME=" + name + ";K8S_POD_UID=" + uid);
        return env;
    }
}
