package dev.cni4j.agent.policy;

import java.util.List;
import java.util.Map;

/** The generated policies of the scale tests and of PolicyBench: one shape, varied by {@code k}. */
public final class SyntheticPolicies {
    private SyntheticPolicies() {}

    /**
     * Policy {@code name} in {@code ns}: pods with {@code app=a<k%20>} take TCP port 80+k%5 from
     * {@code app=a<k+1>} pods of {@code team=t<k%10>} namespaces and send to {@code tier=t<k%3>}
     * pods of their own namespace.
     */
    public static PolicyInfo policy(String ns, String name, int k) {
        var from = new PolicyInfo.PodPeer(
                LabelSelector.matchLabels(Map.of("team", "t" + k % 10)),
                null,
                LabelSelector.matchLabels(Map.of("app", "a" + (k + 1) % 20)));
        var to = new PolicyInfo.PodPeer(null, ns, LabelSelector.matchLabels(Map.of("tier", "t" + k % 3)));
        return new PolicyInfo(
                new PolicyRef(ns, name),
                LabelSelector.matchLabels(Map.of("app", "a" + k % 20)),
                true,
                true,
                List.of(new PolicyInfo.Rule(
                        0, List.of(from), List.of(PolicyInfo.PortSpec.range(Protocol.TCP, 80 + k % 5, 80 + k % 5)))),
                List.of(new PolicyInfo.Rule(0, List.of(to), List.of())),
                List.of());
    }
}
