package dev.cni4j.agent.api;

import java.util.Map;
import java.util.Set;

/**
 * The Kubernetes API calls the agent makes, as RBAC resource → verbs: what
 * {@code deploy/clusterrole.yaml} must grant, no more. {@link NodeWatcher}: list and watch;
 * {@link NodeAnnotator}: patch, which fabric8 precedes with a get of the Node;
 * {@link dev.cni4j.agent.policy.PolicyController} (networkPolicy=on): list and watch of Pods, Namespaces and
 * NetworkPolicies.
 * Tests check both directions: the manifest grants exactly this, and an agent run against the
 * mock API makes no other call.
 */
public final class ApiAccess {
    public static final Map<String, Set<String>> CORE_VERBS = Map.of(
            "nodes",
            Set.of("get", "list", "watch", "patch"),
            "pods",
            Set.of("list", "watch"),
            "namespaces",
            Set.of("list", "watch"));
    /** The same for API group {@code networking.k8s.io}. */
    public static final Map<String, Set<String>> NETWORKING_VERBS = Map.of("networkpolicies", Set.of("list", "watch"));

    private ApiAccess() {}
}
