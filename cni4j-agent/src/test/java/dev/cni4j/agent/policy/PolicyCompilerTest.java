package dev.cni4j.agent.policy;

import static dev.cni4j.agent.policy.NetpolModel.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.policy.Explanation.Reason;
import dev.cni4j.agent.policy.Explanation.Verdict;
import dev.cni4j.net.IpAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {
    private final NetpolModel k8s = new NetpolModel();

    private static IpAddress a(String s) {
        return IpAddress.parse(s);
    }

    private CompiledPolicy node1() {
        return k8s.compile().get(NODE1);
    }

    @Test
    void setsGrowWithDistinctSelectorsNotWithPodsTimesPolicies() {
        // 40 policies in x, all selecting every pod, with the same two peers written differently
        for (int i = 0; i < 40; i++) {
            var peerB = i % 2 == 0 ? peer(null, labels("pod", "b")) : peer(null, expression("pod", "In", "b"));
            k8s.create(ingress(
                    policy("x", "p" + i, labels()), from(List.of(peerB, peer(nsIs("y"), null)), port("TCP", 80 + i))));
        }
        CompiledPolicy c = node1();
        assertEquals(2, c.sets().size(), c.sets().values().toString());
        // each local pod of x has 40 x 2 rules, all pointing at those two sets
        var xa = c.pods().stream()
                .filter(p -> p.fullName().equals("x/a"))
                .findFirst()
                .orElseThrow();
        assertEquals(80, xa.ingress().rules().size());
        assertEquals(40, xa.ingress().policies().size());

        // a new distinct selector adds exactly one set; more pods add members, not sets
        k8s.create(ingress(policy("x", "another", labels()), from(List.of(peer(null, labels("pod", "c"))))));
        for (int i = 0; i < 20; i++) {
            Pod extra = k8s.pods.get("y/a").toBuilder()
                    .editMetadata()
                    .withName("extra" + i)
                    .withUid("uid-extra" + i)
                    .endMetadata()
                    .editStatus()
                    .withPodIPs(new PodIP("10.244.9." + (i + 1)))
                    .endStatus()
                    .build();
            k8s.pods.put("y/extra" + i, extra);
        }
        c = node1();
        assertEquals(3, c.sets().size());
        AddressSet ySet = c.sets().values().stream()
                .filter(s -> s.key().contains("namespaces"))
                .findFirst()
                .orElseThrow();
        assertEquals(
                2 * 3 + 20, ((AddressSet.PodAddresses) ySet).members().size(), "y's 3 pods dual-stack and 20 extra");
    }

    @Test
    void setIdsDependOnTheSelectorOnlySoTheyStayAcrossRelabels() {
        k8s.create(ingress(policy("x", "from-b", labels("pod", "a")), from(List.of(peer(null, labels("pod", "b"))))));
        CompiledPolicy before = node1();
        k8s.labelPod("x/c", "pod", "b");
        CompiledPolicy after = node1();
        assertEquals(before.sets().keySet(), after.sets().keySet());
        String id = before.sets().firstKey();
        assertEquals(
                2, ((AddressSet.PodAddresses) before.sets().get(id)).members().size());
        assertEquals(
                4, ((AddressSet.PodAddresses) after.sets().get(id)).members().size());
        assertEquals(before.pods(), after.pods(), "only set members changed");
        assertTrue(id.matches("p[0-9a-f]{16}"), id);
    }

    @Test
    void theResultIsTheSameWhateverTheInputOrder() {
        k8s.create(ingress(
                policy("x", "one", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null), block("10.0.0.0/8", "10.244.0.0/16")))));
        k8s.create(egress(
                policy("y", "two", labels()),
                to(List.of(peer(labels(), labels("pod", "c"))), named("TCP", "serve-81-tcp"))));
        k8s.create(ingress(policy("x", "three", labels()), from(null, port("UDP", 53))));
        ClusterSnapshot s = k8s.snapshot();
        PolicyCompiler compiler = new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of());
        CompiledPolicy first = compiler.compile(s);
        Random r = new Random(7);
        for (int i = 0; i < 5; i++) {
            List<PolicyInfo> pol = new ArrayList<>(s.policies());
            List<NamespaceInfo> ns = new ArrayList<>(s.namespaces());
            List<PodInfo> pods = new ArrayList<>(s.pods());
            Collections.shuffle(pol, r);
            Collections.shuffle(ns, r);
            Collections.shuffle(pods, r);
            assertEquals(first, compiler.compile(new ClusterSnapshot(pol, ns, pods)));
        }
    }

    @Test
    void trafficFromAndToTheOwnNodeIsAlwaysAllowedOtherNodesAreNot() {
        k8s.create(egress(ingress(policy("x", "deny-all", labels()))));
        CompiledPolicy c = node1();
        IpAddress xa = ipOf("x/a", false);
        Explanation fromNode = c.explain(a("192.168.0.1"), xa, 80, Protocol.TCP);
        assertTrue(fromNode.allowed(), fromNode.toString());
        assertEquals(Reason.NODE_TRAFFIC, fromNode.ingress().reason());
        assertEquals(Reason.NOT_LOCAL, fromNode.egress().reason());
        Explanation fromNodeV6 = c.explain(a("fd00:ffff::1"), ipOf("x/a", true), 80, Protocol.TCP);
        assertEquals(Reason.NODE_TRAFFIC, fromNodeV6.ingress().reason());
        Explanation toNode = c.explain(xa, a("192.168.0.1"), 10250, Protocol.TCP);
        assertTrue(toNode.allowed());
        assertEquals(Reason.NODE_TRAFFIC, toNode.egress().reason());
        Explanation fromOther = c.explain(a("192.168.0.2"), xa, 80, Protocol.TCP);
        assertFalse(fromOther.allowed());
        assertEquals(Reason.NO_RULE_ALLOWS, fromOther.ingress().reason());
        assertEquals(
                List.of(new PolicyRef("x", "deny-all")), fromOther.ingress().isolating());
    }

    @Test
    void hostNetworkPodsAreNotSelectableTheirTrafficIsTheirNodes() {
        Pod host = k8s.pods.get("x/b").toBuilder()
                .editMetadata()
                .withName("host")
                .withUid("uid-host")
                .endMetadata()
                .editSpec()
                .withHostNetwork(true)
                .withNodeName(NODE2)
                .endSpec()
                .editStatus()
                .withPodIPs(new PodIP("192.168.0.2"))
                .withPodIP("192.168.0.2")
                .endStatus()
                .build();
        k8s.pods.put("x/host", host);
        k8s.create(ingress(policy("x", "from-b", labels("pod", "a")), from(List.of(peer(null, labels("pod", "b"))))));
        CompiledPolicy c = node1();
        assertFalse(
                c.explain(a("192.168.0.2"), ipOf("x/a", false), 80, Protocol.TCP)
                        .allowed(),
                "a pod=b on the host network is node-2, not a pod");
        assertTrue(c.explain(ipOf("x/b", false), ipOf("x/a", false), 80, Protocol.TCP)
                .allowed());
        assertFalse(c.podNames().containsKey(a("192.168.0.2")));
        assertTrue(c.pods().stream().noneMatch(p -> p.name().equals("host")));
        // on its own node it is node traffic
        Pod local = host.toBuilder()
                .editSpec()
                .withNodeName(NODE1)
                .endSpec()
                .editStatus()
                .withPodIPs(new PodIP("192.168.0.1"))
                .endStatus()
                .build();
        k8s.pods.put("x/host", local);
        assertEquals(
                Reason.NODE_TRAFFIC,
                node1().explain(a("192.168.0.1"), ipOf("x/a", false), 80, Protocol.TCP)
                        .ingress()
                        .reason());
    }

    @Test
    void aLocalPodIsPolicedWithOurIpamAddressesBeforeTheKubeletReportsThem() {
        Pod pending = k8s.pods.get("x/a").toBuilder()
                .editMetadata()
                .withName("new")
                .withUid("uid-new")
                .endMetadata()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus()
                .build();
        k8s.pods.put("x/new", pending);
        k8s.create(ingress(policy("x", "deny", labels())));
        ClusterSnapshot s = k8s.snapshot();
        CompiledPolicy without = new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of()).compile(s);
        var p = without.pods().stream()
                .filter(x -> x.name().equals("new"))
                .findFirst()
                .orElseThrow();
        assertTrue(p.addresses().isEmpty());
        assertTrue(p.ingress().isolated());
        CompiledPolicy with =
                new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of("uid-new", List.of(a("10.244.1.77")))).compile(s);
        Explanation e = with.explain(ipOf("y/a", false), a("10.244.1.77"), 80, Protocol.TCP);
        assertFalse(e.allowed());
        assertEquals("x/new", e.ingress().pod());
        // a remote pending pod with an IP in its status is no peer until it runs
        Pod remotePending = k8s.pods.get("y/b").toBuilder()
                .editMetadata()
                .withName("rp")
                .withUid("uid-rp")
                .endMetadata()
                .editStatus()
                .withPhase("Pending")
                .withPodIPs(new PodIP("10.244.2.99"))
                .endStatus()
                .build();
        k8s.pods.put("y/rp", remotePending);
        assertFalse(node1().podNames().containsKey(a("10.244.2.99")));
    }

    @Test
    void anAddressOurIpamGaveALocalPodIsThatPodsEvenIfAStalePodClaimsIt() {
        // sorts before x/fresh and is on node-2: still Running in the API, its address already reused here
        Pod stale = k8s.pods.get("x/b").toBuilder()
                .editMetadata()
                .withName("a-stale")
                .withUid("uid-stale")
                .endMetadata()
                .editStatus()
                .withPodIPs(new PodIP("10.244.1.77"))
                .endStatus()
                .build();
        k8s.pods.put("x/a-stale", stale);
        Pod fresh = k8s.pods.get("x/a").toBuilder()
                .editMetadata()
                .withName("fresh")
                .withUid("uid-fresh")
                .withLabels(Map.of("pod", "fresh"))
                .endMetadata()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus()
                .build();
        k8s.pods.put("x/fresh", fresh);
        k8s.create(ingress(policy("x", "deny-fresh", labels("pod", "fresh"))));
        CompiledPolicy c = new PolicyCompiler(
                        NODE1, NODE_IPS.get(NODE1), Map.of("uid-fresh", List.of(a("10.244.1.77"))))
                .compile(k8s.snapshot());
        Explanation e = c.explain(ipOf("z/a", false), a("10.244.1.77"), 80, Protocol.TCP);
        assertFalse(e.allowed(), e.toString());
        assertEquals("x/fresh", e.ingress().pod());
        assertEquals(List.of("address 10.244.1.77 of pod x/a-stale is already pod x/fresh's: ignored"), c.problems());
    }

    @Test
    void terminatedPodsAreGoneAndTheirAddressesFree() {
        Pod done = k8s.pods.get("y/a").toBuilder()
                .editMetadata()
                .withName("done")
                .withUid("uid-done")
                .withLabels(Map.of("pod", "b"))
                .endMetadata()
                .editStatus()
                .withPhase("Succeeded")
                .withPodIPs(new PodIP("10.244.2.50"))
                .endStatus()
                .build();
        k8s.pods.put("y/done", done);
        Pod reuse = k8s.pods.get("z/a").toBuilder()
                .editMetadata()
                .withName("reuse")
                .withUid("uid-reuse")
                .endMetadata()
                .editStatus()
                .withPodIPs(new PodIP("10.244.2.50"))
                .endStatus()
                .build();
        k8s.pods.put("z/reuse", reuse);
        k8s.create(ingress(
                policy("x", "from-b", labels("pod", "a")), from(List.of(peer(labels(), labels("pod", "b"))))));
        CompiledPolicy c = node1();
        assertEquals("z/reuse", c.podNames().get(a("10.244.2.50")));
        assertFalse(c.explain(a("10.244.2.50"), ipOf("x/a", false), 80, Protocol.TCP)
                .allowed());
        assertTrue(c.problems().isEmpty(), c.problems().toString());
    }

    @Test
    void explainNamesThePolicyAndRuleThatDecided() {
        k8s.create(ingress(
                policy("x", "ports", labels("pod", "a")),
                from(List.of(peer(nsIs("z"), null))),
                from(null, port("TCP", 81))));
        CompiledPolicy c = node1();
        Explanation e = c.explain(ipOf("y/a", false), ipOf("x/a", false), 81, Protocol.TCP);
        assertTrue(e.allowed());
        assertEquals(Verdict.ALLOWED, e.ingress().verdict());
        assertEquals(new PolicyRef("x", "ports"), e.ingress().policy());
        assertEquals(1, e.ingress().rule());
        assertEquals(Reason.NOT_ISOLATED, e.egress().reason());
        Explanation z = c.explain(ipOf("z/a", false), ipOf("x/a", false), 80, Protocol.TCP);
        assertEquals(0, z.ingress().rule());
        Explanation d = c.explain(ipOf("y/a", false), ipOf("x/a", false), 80, Protocol.TCP);
        assertFalse(d.allowed());
        assertEquals(Reason.NO_RULE_ALLOWS, d.ingress().reason());
        assertTrue(d.toString().contains("denied"), d.toString());
        Explanation remote = c.explain(ipOf("x/a", false), ipOf("x/b", false), 80, Protocol.TCP);
        assertEquals(Verdict.NOT_EVALUATED, remote.ingress().verdict(), "x/b is on node-2");
        assertTrue(remote.ingress().text().contains("x/b"), remote.ingress().text());
    }

    @Test
    void namedPortsResolvePerDestinationPod() {
        // y/b serves "web" on 8080, y/c on 9090; y/a has no such port
        setPorts("y/b", "web", 8080);
        setPorts("y/c", "web", 9090);
        setPorts("x/a", "web", 7070);
        k8s.create(egress(policy("x", "to-web", labels("pod", "a")), to(null, named("TCP", "web"))));
        k8s.create(ingress(policy("x", "web-in", labels("pod", "a")), from(null, named("TCP", "web"))));
        k8s.oneNode = true;
        CompiledPolicy c = node1();
        IpAddress xa = ipOf("x/a", false);
        assertTrue(c.explain(xa, ipOf("y/b", false), 8080, Protocol.TCP).allowed());
        assertFalse(c.explain(xa, ipOf("y/b", false), 9090, Protocol.TCP).allowed());
        assertTrue(c.explain(xa, ipOf("y/c", true), 9090, Protocol.TCP).allowed());
        assertFalse(c.explain(xa, ipOf("y/a", false), 8080, Protocol.TCP).allowed());
        assertFalse(c.explain(xa, ipOf("y/b", false), 8080, Protocol.UDP).allowed());
        // ingress: resolved on x/a itself
        assertTrue(c.explain(ipOf("y/a", false), xa, 7070, Protocol.TCP).allowed());
        assertFalse(c.explain(ipOf("y/a", false), xa, 8080, Protocol.TCP).allowed());
        var named = c.sets().values().stream()
                .filter(s -> s instanceof AddressSet.NamedPorts)
                .toList();
        assertEquals(1, named.size());
        assertEquals(
                6,
                ((AddressSet.NamedPorts) named.getFirst()).members().size(),
                "x/a, y/b, y/c, both families: " + named);
    }

    private void setPorts(String pod, String name, int port) {
        k8s.pods
                .get(pod)
                .getSpec()
                .getContainers()
                .getFirst()
                .getPorts()
                .getFirst()
                .setName(name);
        k8s.pods
                .get(pod)
                .getSpec()
                .getContainers()
                .getFirst()
                .getPorts()
                .getFirst()
                .setContainerPort(port);
    }

    @Test
    void aRuleWeCannotTakeOverAllowsNothingAndThePolicyStillIsolates() {
        var p = ingress(
                policy("x", "bad", labels("pod", "a")),
                from(List.of(block("10.0.0.0/33"))),
                from(null, port("ICMP", 1)),
                from(null, range("TCP", 90, 80)));
        k8s.create(p);
        CompiledPolicy c = node1();
        assertFalse(c.explain(ipOf("y/a", false), ipOf("x/a", false), 80, Protocol.TCP)
                .allowed());
        assertFalse(c.explain(ipOf("y/a", false), ipOf("x/a", false), 85, Protocol.TCP)
                .allowed());
        assertEquals(3, c.problems().size(), c.problems().toString());
        assertTrue(
                c.problems().getFirst().startsWith("policy x/bad: ingress rule 0 left out"),
                c.problems().toString());
    }

    @Test
    void atTenThousandPodsAndAThousandPoliciesTheRulesetFollowsSelectorsAndLocalPods() {
        List<NamespaceInfo> namespaces = new ArrayList<>();
        List<PodInfo> pods = new ArrayList<>();
        List<PolicyInfo> policies = new ArrayList<>();
        for (int n = 0; n < 100; n++) {
            String ns = "ns" + n;
            namespaces.add(new NamespaceInfo(ns, Map.of(NamespaceInfo.NAME_LABEL, ns, "team", "t" + n % 10)));
            for (int j = 0; j < 100; j++) {
                int k = n * 100 + j;
                pods.add(new PodInfo(
                        "uid" + k,
                        ns,
                        "p" + j,
                        k % 91 == 0 ? "local" : "node" + k % 97,
                        Map.of("app", "a" + j % 20, "tier", "t" + j % 3),
                        false,
                        PodInfo.Phase.RUNNING,
                        List.of(IpAddress.ipv4(0x0a000000L + k)),
                        List.of()));
            }
            for (int q = 0; q < 10; q++) {
                int k = n * 10 + q;
                policies.add(SyntheticPolicies.policy(ns, "pol" + q, k));
            }
        }
        CompiledPolicy c = new PolicyCompiler("local", List.of(a("192.168.0.1")), Map.of())
                .compile(new ClusterSnapshot(policies, namespaces, pods));
        assertEquals(110, c.pods().size());
        NftState nft = NftPolicyRenderer.state(c);
        int rules = nft.chains().values().stream().mapToInt(List::size).sum();
        int isolated = (int) c.pods().stream()
                .filter(p -> p.ingress().isolated() || p.egress().isolated())
                .count();
        int allowRules = c.pods().stream()
                .mapToInt(p -> p.ingress().rules().size() + p.egress().rules().size())
                .sum();
        // sets: at most the distinct selector pairs the local pods' rules use, far below pods x policies
        assertTrue(c.sets().size() <= 10 * 20 + 100 * 3, "sets: " + c.sets().size());
        // rules: per isolated pod and direction 3 fixed ones, and one per allow rule and family
        assertTrue(rules <= isolated * 2 * 3 + allowRules * 2, "rules: " + rules);
        assertTrue(rules < 20_000, "rules: " + rules);
    }
}
