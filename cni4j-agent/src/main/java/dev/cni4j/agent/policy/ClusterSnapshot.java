package dev.cni4j.agent.policy;

import java.util.List;

/** What the compiler reads: the cluster's NetworkPolicies, Namespaces and Pods at one moment. */
public record ClusterSnapshot(List<PolicyInfo> policies, List<NamespaceInfo> namespaces, List<PodInfo> pods) {
    public ClusterSnapshot {
        policies = List.copyOf(policies);
        namespaces = List.copyOf(namespaces);
        pods = List.copyOf(pods);
    }
}
