package dev.cni4j.agent.policy;

import static dev.cni4j.agent.policy.NetpolModel.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The renderer's {@link NftPolicyRenderer.Options}: the drop log and the strict established rules. */
class NftPolicyRendererOptionsTest {

    @Test
    void droppedPacketsAreLoggedRateLimitedUnderThePodChainsName() {
        CompiledPolicy c = NftPolicyRendererTest.compileSmall(Map.of("pod", "b"));
        NftState on = NftPolicyRenderer.state(c, new NftPolicyRenderer.Options(7, false));
        List<String> in = on.chains().get("q7f4b1f71796a28ba_in");
        assertEquals(
                "limit rate 7/second burst 7 packets log prefix \"cni4j-drop q7f4b1f71796a28ba_in \"",
                in.get(in.size() - 2));
        assertTrue(in.getLast().startsWith("counter drop comment"), in.getLast());
        for (List<String> rules : on.chains().values()) {
            assertEquals(
                    1, rules.stream().filter(r -> r.contains(" log prefix ")).count(), rules.toString());
        }
        NftState off = NftPolicyRenderer.state(c);
        assertTrue(
                off.chains().values().stream().flatMap(List::stream).noneMatch(r -> r.contains("log")), off.toString());
        assertEquals(off, NftPolicyRenderer.state(c, NftPolicyRenderer.Options.DEFAULT));
        assertTrue(NftPolicyRenderer.fullScript(c, new NftPolicyRenderer.Options(7, false))
                .contains("log prefix \"cni4j-drop q"));
    }

    @Test
    void theLogPrefixIsOnlyEverAChainName() {
        assertEquals("cni4j-drop q0123456789abcdef_out ", NftPolicyRenderer.dropLogPrefix("q0123456789abcdef_out"));
        for (String bad :
                List.of("x/a", "q0123456789abcdef_in\" accept", "q0123456789ABCDEF_in", "p0123456789abcdef_in", "")) {
            assertThrows(IllegalArgumentException.class, () -> NftPolicyRenderer.dropLogPrefix(bad), bad);
        }
        // a hostile pod name and namespace do not reach the prefix (nor anything outside comments)
        NetpolModel k8s = new NetpolModel();
        k8s.create(ingress(policy("x", "deny", labels())));
        String script = NftPolicyRenderer.fullScript(k8s.compile().get(NODE1), new NftPolicyRenderer.Options(1, true));
        for (String line : script.lines().toList()) {
            if (line.contains("log prefix")) {
                assertTrue(line.matches(".*log prefix \"cni4j-drop q[0-9a-f]{16}_(in|out) \"$"), line);
            }
        }
    }

    @Test
    void strictModeDropsMidStreamPickUpsForIsolatedPodsOnly() {
        CompiledPolicy c = NftPolicyRendererTest.compileSmall(Map.of("pod", "b"));
        String strict = NftPolicyRenderer.fullScript(c, new NftPolicyRenderer.Options(0, true));
        assertTrue(
                strict.contains(String.join(
                        "\n    ",
                        "ct state established,related accept",
                        "ip saddr @isolated_v4 tcp flags & (syn | rst) == 0 ct state new drop",
                        "ip daddr @isolated_v4 tcp flags & (syn | rst) == 0 ct state new drop",
                        "ip6 saddr @isolated_v6 tcp flags & (syn | rst) == 0 ct state new drop",
                        "ip6 daddr @isolated_v6 tcp flags & (syn | rst) == 0 ct state new drop",
                        "icmpv6 type")),
                strict);
        NftState s = NftPolicyRenderer.state(c, new NftPolicyRenderer.Options(0, true));
        assertEquals(
                java.util.Set.of("10.244.1.1"),
                s.sets().get("isolated_v4").elements(),
                "x/a, isolated; x/b is on the other node");
        assertEquals(
                java.util.Set.of("fd00:10:1::1"), s.sets().get("isolated_v6").elements());
        String keep = NftPolicyRenderer.fullScript(c);
        assertFalse(keep.contains("isolated_v") || keep.contains("tcp flags"), keep);
    }

    @Test
    void diffsWithOptionsApplyCleanly() {
        NftPolicyRenderer.Options o = new NftPolicyRenderer.Options(10, true);
        NetpolModel k8s = new NetpolModel();
        NftState applied = NftPolicyRenderer.state(k8s.compile().get(NODE1), o);
        List<Runnable> steps = List.of(
                () -> k8s.create(ingress(policy("x", "deny", labels()))),
                () -> k8s.create(ingress(
                        policy("x", "from-b", labels("pod", "a")),
                        from(List.of(peer(null, labels("pod", "b"))), port("TCP", 80)))),
                () -> k8s.labelPod("x/c", "pod", "b"),
                () -> k8s.delete("x", "deny"),
                () -> k8s.policies.clear());
        for (Runnable step : steps) {
            CompiledPolicy before = k8s.compile().get(NODE1);
            step.run();
            CompiledPolicy after = k8s.compile().get(NODE1);
            String diff = NftPolicyDiff.script(before, after, o);
            applied = new NftApplier(applied).apply(diff).state();
            assertEquals(NftPolicyRenderer.state(after, o), applied, diff);
        }
        assertTrue(applied.sets().get("isolated_v4").elements().isEmpty(), "no policy, nobody isolated");
    }
}
