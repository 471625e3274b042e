package dev.cni4j.agent.policy;

import static dev.cni4j.agent.policy.NetpolModel.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NftPolicyRendererTest {
    static IpAddress a(String s) {
        return IpAddress.parse(s);
    }

    /** x/a on node-1 (dual-stack, serves "web" on 8080), x/b on node-2, one policy on x/a. */
    static ClusterSnapshot small(Map<String, String> bLabels) {
        PodInfo xa = new PodInfo(
                "uid-a",
                "x",
                "a",
                NODE1,
                Map.of("pod", "a"),
                false,
                PodInfo.Phase.RUNNING,
                List.of(a("10.244.1.1"), a("fd00:10:1::1")),
                List.of(new PodInfo.NamedPort("web", Protocol.TCP, 8080)));
        PodInfo xb = new PodInfo(
                "uid-b",
                "x",
                "b",
                NODE2,
                bLabels,
                false,
                PodInfo.Phase.RUNNING,
                List.of(a("10.244.2.2")),
                List.of(new PodInfo.NamedPort("web", Protocol.TCP, 9090)));
        var fromB = new PolicyInfo.PodPeer(null, "x", LabelSelector.matchLabels(Map.of("pod", "b")));
        PolicyInfo p = new PolicyInfo(
                new PolicyRef("x", "allow"),
                LabelSelector.matchLabels(Map.of("pod", "a")),
                true,
                true,
                List.of(new PolicyInfo.Rule(
                        0,
                        List.of(fromB),
                        List.of(
                                PolicyInfo.PortSpec.range(Protocol.TCP, 80, 80),
                                PolicyInfo.PortSpec.named(Protocol.TCP, "web")))),
                List.of(
                        new PolicyInfo.Rule(
                                0,
                                List.of(new PolicyInfo.IpBlockPeer(
                                        IpPrefix.parse("10.0.0.0/8"), List.of(IpPrefix.parse("10.128.0.0/9")))),
                                List.of(PolicyInfo.PortSpec.range(Protocol.UDP, 53, 54))),
                        new PolicyInfo.Rule(
                                1, List.of(fromB), List.of(PolicyInfo.PortSpec.named(Protocol.TCP, "web")))),
                List.of());
        return new ClusterSnapshot(List.of(p), List.of(NamespaceInfo.unknown("x")), List.of(xa, xb));
    }

    static CompiledPolicy compileSmall(Map<String, String> bLabels) {
        return new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of()).compile(small(bLabels));
    }

    @Test
    void fullScript() {
        assertEquals("""
                add table inet cni4j_policy
                delete table inet cni4j_policy
                add table inet cni4j_policy
                add counter inet cni4j_policy k4cc9b72ca5c161be
                add counter inet cni4j_policy k908c31da646b6473
                add counter inet cni4j_policy ka593ee854436316c
                table inet cni4j_policy {
                  set c5df4a5d3848d4259_v4 {
                    type ipv4_addr;
                    flags interval;
                    elements = { 10.0.0.0/9 }
                  }
                  set n1f7beee05daaf82d_v4 {
                    type ipv4_addr . inet_proto . inet_service;
                    elements = { 10.244.2.2 . 6 . 9090 }
                  }
                  set n1f7beee05daaf82d_v6 {
                    type ipv6_addr . inet_proto . inet_service;
                  }
                  set node_v4 {
                    type ipv4_addr;
                    elements = { 192.168.0.1 }
                  }
                  set node_v6 {
                    type ipv6_addr;
                    elements = { fd00:ffff::1 }
                  }
                  set p6a3ba1001d538ee4_v4 {
                    type ipv4_addr;
                    elements = { 10.244.2.2 }
                  }
                  set p6a3ba1001d538ee4_v6 {
                    type ipv6_addr;
                  }
                  chain q7f4b1f71796a28ba_in {
                    ip saddr @node_v4 accept
                    ip6 saddr @node_v6 accept
                    ip saddr @p6a3ba1001d538ee4_v4 meta l4proto 6 th dport { 80, 8080 } counter name k4cc9b72ca5c161be \
                accept comment "x/allow ingress rule 0"
                    ip6 saddr @p6a3ba1001d538ee4_v6 meta l4proto 6 th dport { 80, 8080 } counter name \
                k4cc9b72ca5c161be accept comment "x/allow ingress rule 0"
                    counter drop comment "x/a ingress isolated by 1 policies"
                  }
                  chain q7f4b1f71796a28ba_out {
                    ip daddr @node_v4 return
                    ip6 daddr @node_v6 return
                    ip daddr @c5df4a5d3848d4259_v4 meta l4proto 17 th dport 53-54 counter name k908c31da646b6473 \
                return comment "x/allow egress rule 0"
                    ip daddr . meta l4proto . th dport @n1f7beee05daaf82d_v4 counter name ka593ee854436316c return \
                comment "x/allow egress rule 1"
                    ip6 daddr . meta l4proto . th dport @n1f7beee05daaf82d_v6 counter name ka593ee854436316c return \
                comment "x/allow egress rule 1"
                    counter drop comment "x/a egress isolated by 1 policies"
                  }
                  map egress_v4 {
                    type ipv4_addr : verdict;
                    elements = { 10.244.1.1 : jump q7f4b1f71796a28ba_out }
                  }
                  map egress_v6 {
                    type ipv6_addr : verdict;
                    elements = { fd00:10:1::1 : jump q7f4b1f71796a28ba_out }
                  }
                  map ingress_v4 {
                    type ipv4_addr : verdict;
                    elements = { 10.244.1.1 : jump q7f4b1f71796a28ba_in }
                  }
                  map ingress_v6 {
                    type ipv6_addr : verdict;
                    elements = { fd00:10:1::1 : jump q7f4b1f71796a28ba_in }
                  }
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    ct state established,related accept
                    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept
                    ip saddr vmap @egress_v4
                    ip6 saddr vmap @egress_v6
                    ip daddr vmap @ingress_v4
                    ip6 daddr vmap @ingress_v6
                  }
                }
                """, NftPolicyRenderer.fullScript(compileSmall(Map.of("pod", "b"))));
    }

    @Test
    void aPodNoPolicyIsolatesHasNoChainAndNoMapElement() {
        ClusterSnapshot s = small(Map.of("pod", "b"));
        ClusterSnapshot none = new ClusterSnapshot(List.of(), s.namespaces(), s.pods());
        NftState st = NftPolicyRenderer.state(new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of()).compile(none));
        assertTrue(st.chains().isEmpty());
        assertTrue(st.maps().values().stream().allMatch(Map::isEmpty));
        assertEquals(List.of("node_v4", "node_v6"), List.copyOf(st.sets().keySet()));
    }

    @Test
    void noApiStringReachesTheScriptOutsideSanitizedComments() {
        String evil = "x\"; flush ruleset; add rule inet filter input accept comment \"\n}";
        PodInfo xa = new PodInfo(
                "uid-a\";drop",
                "evil",
                "a\nb",
                NODE1,
                Map.of("pod", evil),
                false,
                PodInfo.Phase.RUNNING,
                List.of(a("10.244.1.1")),
                List.of(new PodInfo.NamedPort(evil, Protocol.TCP, 8080)));
        var peer = new PolicyInfo.PodPeer(
                LabelSelector.matchLabels(Map.of(evil, evil)), null, LabelSelector.matchLabels(Map.of("pod", evil)));
        PolicyInfo p = new PolicyInfo(
                new PolicyRef("evil", evil),
                LabelSelector.ALL,
                true,
                true,
                List.of(new PolicyInfo.Rule(0, List.of(peer), List.of(PolicyInfo.PortSpec.named(Protocol.TCP, evil)))),
                List.of(new PolicyInfo.Rule(0, List.of(peer), List.of(PolicyInfo.PortSpec.named(Protocol.TCP, evil)))),
                List.of());
        var c = new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of())
                .compile(new ClusterSnapshot(
                        List.of(p), List.of(new NamespaceInfo("evil", Map.of(evil, evil))), List.of(xa)));
        String script = NftPolicyRenderer.fullScript(c);
        assertFalse(script.contains("flush ruleset;"), script);
        assertFalse(script.contains("uid-a") || script.contains("\"evil\""), "no API string as a name or element");
        for (String line : script.lines().toList()) {
            // outside comments only: lower-case words, hex ids, addresses, numbers and nft punctuation
            String code = line.replaceAll(" comment \"[A-Za-z0-9 ._/:=-]*\"$", "");
            assertTrue(code.matches("[a-z0-9_ .:,;=@{}/-]*"), "unexpected text in: " + line);
            int quotes = line.length() - line.replace("\"", "").length();
            assertTrue(quotes == 0 || quotes == 2, line);
        }
        assertEquals(
                "x__ flush ruleset_ add rule inet filter input accept comment ___", NftPolicyRenderer.comment(evil));
        assertEquals(100, NftPolicyRenderer.comment("a".repeat(300)).length());
    }

    @Test
    void aPeerRelabelIsSetElementChangesOnly() {
        CompiledPolicy before = compileSmall(Map.of("pod", "b"));
        CompiledPolicy after = compileSmall(Map.of("pod", "c"));
        String diff = NftPolicyDiff.script(before, after);
        assertEquals("""
                delete element inet cni4j_policy n1f7beee05daaf82d_v4 { 10.244.2.2 . 6 . 9090 }
                delete element inet cni4j_policy p6a3ba1001d538ee4_v4 { 10.244.2.2 }
                """, diff);
        assertEquals(
                NftPolicyRenderer.state(after),
                new NftApplier(NftPolicyRenderer.state(before)).apply(diff).state());
        assertEquals("", NftPolicyDiff.script(after, after));
    }

    @Test
    void diffsApplyCleanlyThroughTheConformanceScenarios() {
        NetpolModel k8s = new NetpolModel();
        List<Runnable> steps = List.of(
                () -> k8s.create(ingress(policy("x", "deny", labels()))),
                () -> k8s.create(ingress(
                        policy("x", "from-b", labels("pod", "a")),
                        from(List.of(peer(null, labels("pod", "b"))), port("TCP", 80)))),
                () -> k8s.labelPod("x/c", "pod", "b"),
                () -> k8s.create(egress(
                        policy("y", "egress-web", labels()),
                        to(List.of(peer(labels(), labels("pod", "a"))), named("TCP", "serve-80-tcp")))),
                () -> k8s.create(egress(
                        policy("x", "cidr", labels("pod", "c")),
                        to(List.of(block("10.244.0.0/16", "10.244.2.0/24", "fd00::/8"))))),
                () -> k8s.labelNamespace("z", "team", "blue"),
                () -> k8s.create(ingress(
                        policy("z", "from-blue", labels()),
                        from(List.of(peer(labels("team", "blue"), null)), range("UDP", 80, 81)))),
                () -> k8s.pods.remove("y/a"),
                () -> k8s.labelPod("x/a", "pod", "zz"),
                () -> k8s.delete("x", "deny"),
                () -> k8s.delete("y", "egress-web"),
                () -> k8s.policies.clear());
        NftState applied = NftPolicyRenderer.state(k8s.compile().get(NODE1));
        assertTrue(applied.chains().isEmpty());
        for (Runnable step : steps) {
            CompiledPolicy before = k8s.compile().get(NODE1);
            step.run();
            CompiledPolicy after = k8s.compile().get(NODE1);
            String diff = NftPolicyDiff.script(before, after);
            applied = new NftApplier(applied).apply(diff).state();
            assertEquals(NftPolicyRenderer.state(after), applied, diff);
        }
        assertEquals(
                List.of("node_v4", "node_v6"),
                List.copyOf(applied.sets().keySet()),
                "everything went with the policies");
        assertTrue(applied.counters().isEmpty());
    }

    @Test
    void aNewPolicyAddsSetsChainsAndMapElements() {
        ClusterSnapshot s = small(Map.of("pod", "b"));
        PolicyCompiler compiler = new PolicyCompiler(NODE1, NODE_IPS.get(NODE1), Map.of());
        CompiledPolicy empty = compiler.compile(new ClusterSnapshot(List.of(), s.namespaces(), s.pods()));
        CompiledPolicy full = compiler.compile(s);
        String diff = NftPolicyDiff.script(empty, full);
        assertTrue(
                diff.startsWith("add set inet cni4j_policy c5df4a5d3848d4259_v4 { type ipv4_addr; flags interval; }\n"
                        + "add element inet cni4j_policy c5df4a5d3848d4259_v4 { 10.0.0.0/9 }\n"),
                diff);
        assertTrue(diff.contains("add chain inet cni4j_policy q7f4b1f71796a28ba_in\n"), diff);
        assertTrue(
                diff.contains("add element inet cni4j_policy ingress_v4 { 10.244.1.1 : jump q7f4b1f71796a28ba_in }"),
                diff);
        assertEquals(
                NftPolicyRenderer.state(full),
                new NftApplier(NftPolicyRenderer.state(empty)).apply(diff).state());
        String back = NftPolicyDiff.script(full, empty);
        assertTrue(back.endsWith("delete counter inet cni4j_policy ka593ee854436316c\n"), back);
        assertEquals(
                NftPolicyRenderer.state(empty),
                new NftApplier(NftPolicyRenderer.state(full)).apply(back).state());
    }
}
