package dev.cni4j.agent.policy;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.net.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The parts of the policy controller that need no kernel and no API: CNI input and counters
 * (its setting and conflist key: PolicyStrictSettingsTest).
 */
class PolicyControllerTest {
    @Test
    void podIdentityFromCniArgs() {
        Map<String, String> args = PolicyController.cniArgs(
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=x;K8S_POD_NAME=a;K8S_POD_INFRA_CONTAINER_ID=c1;K8S_POD_UID=u-1");
        assertEquals("x", args.get("K8S_POD_NAMESPACE"));
        assertEquals("a", args.get("K8S_POD_NAME"));
        assertEquals("u-1", args.get("K8S_POD_UID"));
        assertTrue(PolicyController.cniArgs("").isEmpty());
    }

    @Test
    void addressesOfEveryResultVersion() {
        String v1 = """
                {"cniVersion":"1.1.0","interfaces":[{"name":"eth0"}],"ips":[{"address":"10.244.1.5/24",\
                "gateway":"10.244.1.1","interface":0},
                 {"address":"fd00:10:244:1::5/64","interface":0}]}""";
        assertEquals(
                List.of(IpAddress.parse("10.244.1.5"), IpAddress.parse("fd00:10:244:1::5")),
                PolicyController.resultAddresses(v1.getBytes(StandardCharsets.UTF_8)));
        String v02 = """
                {"cniVersion":"0.2.0","ip4":{"ip":"10.244.1.6/24","gateway":"10.244.1.1"}}""";
        assertEquals(
                List.of(IpAddress.parse("10.244.1.6")),
                PolicyController.resultAddresses(v02.getBytes(StandardCharsets.UTF_8)));
        String error = """
                {"cniVersion":"1.1.0","code":11,"msg":"no"}""";
        assertTrue(PolicyController.resultAddresses(error.getBytes(StandardCharsets.UTF_8))
                .isEmpty());
    }

    @Test
    void countersOfTheTableBecomeMetricsByPolicyRuleAndPod() {
        PodInfo a = new PodInfo(
                "uid-a",
                "x",
                "a",
                "node1",
                Map.of("pod", "a"),
                false,
                PodInfo.Phase.RUNNING,
                List.of(IpAddress.parse("10.244.1.2")),
                List.of());
        PolicyInfo allow = new PolicyInfo(
                new PolicyRef("x", "allow"),
                LabelSelector.ALL,
                true,
                false,
                List.of(new PolicyInfo.Rule(
                        0, List.of(), List.of(PolicyInfo.PortSpec.range(dev.cni4j.agent.policy.Protocol.TCP, 80, 80)))),
                List.of(),
                List.of());
        CompiledPolicy c = new PolicyCompiler("node1", List.of(IpAddress.parse("192.168.50.1")), Map.of())
                .compile(new ClusterSnapshot(List.of(allow), List.of(NamespaceInfo.unknown("x")), List.of(a)));
        String counter = PolicyCounters.counters(c).keySet().iterator().next();
        String chain = PolicyCounters.chains(c).keySet().iterator().next();
        String json = """
                {"nftables":[{"metainfo":{"json_schema_version":1}},{"table":{"family":"inet","name":"cni4j_policy",\
                "handle":1}},
                 {"counter":{"family":"inet","name":"%s","table":"cni4j_policy","handle":2,"packets":7,"bytes":420}},
                 {"rule":{"family":"inet","table":"cni4j_policy","chain":"%s","handle":9,"expr":[
                   {"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":6}},{"counter":"%s"},\
                {"accept":null}]}},
                 {"rule":{"family":"inet","table":"cni4j_policy","chain":"%s","handle":10,\
                "expr":[{"counter":{"packets":3,"bytes":180}},{"drop":null}]}}]}
                """.formatted(counter, chain, counter, chain);
        PolicyMetrics.Counts counts = PolicyMetrics.read(c, json);
        assertEquals(
                new PolicyMetrics.Count(7, 420),
                counts.rules().get(new PolicyCounters.RuleKey(new PolicyRef("x", "allow"), Direction.INGRESS, 0)));
        assertEquals(
                new PolicyMetrics.Count(3, 180),
                counts.drops().get(new PolicyCounters.ChainKey("x", "a", Direction.INGRESS)));
        assertTrue(PolicyMetrics.read(c, null).rules().isEmpty(), "no table (yet): no series");
    }
}
