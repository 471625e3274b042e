package dev.cni4j.agent.policy;

import dev.cni4j.agent.policy.CompiledPolicy.AllowRule;
import dev.cni4j.agent.policy.CompiledPolicy.PodRules;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the counters of our table stand for, from the same {@link CompiledPolicy} the table was
 * rendered from: each named counter is one rule of one policy in one direction (shared by every
 * pod that rule applies to), each per-pod chain ends in an anonymous drop counter.
 */
final class PolicyCounters {
    private PolicyCounters() {}

    /** The policy rule a named counter counts. */
    public record RuleKey(PolicyRef policy, Direction direction, int rule) {}

    /** The pod and direction a per-pod chain polices. */
    public record ChainKey(String namespace, String pod, Direction direction) {}

    /** Named counter → its policy rule, for every counter the rendered table holds. */
    public static Map<String, RuleKey> counters(CompiledPolicy c) {
        Map<String, RuleKey> out = new TreeMap<>();
        for (PodRules p : c.pods()) {
            for (Direction d : Direction.values()) {
                if (!p.direction(d).isolated()) {
                    continue;
                }
                String dir = d == Direction.INGRESS ? "ingress" : "egress";
                for (AllowRule r : p.direction(d).rules()) {
                    // the name NftPolicyRenderer gives it
                    out.put(
                            PolicyCompiler.id(
                                    'k',
                                    "counter " + r.policy().namespace() + "/"
                                            + r.policy().name() + " " + dir + " " + r.rule()),
                            new RuleKey(r.policy(), d, r.rule()));
                }
            }
        }
        return out;
    }

    /** Per-pod chain name → its pod and direction, for every isolated local pod. */
    public static Map<String, ChainKey> chains(CompiledPolicy c) {
        Map<String, ChainKey> out = new TreeMap<>();
        for (PodRules p : c.pods()) {
            for (Direction d : Direction.values()) {
                if (p.direction(d).isolated()) {
                    out.put(
                            p.id() + (d == Direction.INGRESS ? "_in" : "_out"),
                            new ChainKey(p.namespace(), p.name(), d));
                }
            }
        }
        return out;
    }
}
