package dev.cni4j.agent.policy;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.policy.LabelSelector.Operator;
import dev.cni4j.agent.policy.LabelSelector.Requirement;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
    static Requirement r(String key, Operator op, String... values) {
        return new Requirement(key, op, new TreeSet<>(List.of(values)));
    }

    @Test
    void operators() {
        Map<String, String> labels = Map.of("pod", "a", "tier", "web");
        assertTrue(new LabelSelector(List.of(r("pod", Operator.IN, "a", "b"))).matches(labels));
        assertFalse(new LabelSelector(List.of(r("pod", Operator.IN, "b"))).matches(labels));
        assertTrue(new LabelSelector(List.of(r("pod", Operator.NOT_IN, "b"))).matches(labels));
        assertTrue(
                new LabelSelector(List.of(r("absent", Operator.NOT_IN, "b"))).matches(labels),
                "NotIn holds for a missing label");
        assertFalse(new LabelSelector(List.of(r("pod", Operator.NOT_IN, "a"))).matches(labels));
        assertTrue(new LabelSelector(List.of(r("tier", Operator.EXISTS))).matches(labels));
        assertFalse(new LabelSelector(List.of(r("tier", Operator.DOES_NOT_EXIST))).matches(labels));
        assertTrue(new LabelSelector(List.of(r("absent", Operator.DOES_NOT_EXIST))).matches(labels));
        assertTrue(LabelSelector.ALL.matches(Map.of()));
        assertFalse(
                LabelSelector.of(Map.of("pod", "a"), List.of(r("tier", Operator.IN, "db")))
                        .matches(labels),
                "all requirements must hold");
    }

    @Test
    void equivalentSelectorsHaveOneCanonicalText() {
        LabelSelector a = LabelSelector.of(Map.of("pod", "b", "app", "x"), List.of());
        LabelSelector b = new LabelSelector(
                List.of(r("app", Operator.IN, "x"), r("pod", Operator.IN, "b"), r("pod", Operator.IN, "b")));
        assertEquals(a, b);
        assertEquals(a.canonical(), b.canonical());
        assertEquals("{\"app\" in (\"x\"),\"pod\" in (\"b\")}", a.canonical());
        assertNotEquals(
                LabelSelector.matchLabels(Map.of("a", "b,c")).canonical(),
                new LabelSelector(List.of(r("a", Operator.IN, "b", "c"))).canonical(),
                "quoting keeps values apart");
        assertEquals(
                "{\"k\" in (\"a\\\"b\")}",
                LabelSelector.matchLabels(Map.of("k", "a\"b")).canonical());
    }

    @Test
    void badRequirementsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> r("pod", Operator.IN));
        assertThrows(IllegalArgumentException.class, () -> r("pod", Operator.EXISTS, "a"));
        assertThrows(IllegalArgumentException.class, () -> r("", Operator.EXISTS));
    }
}
