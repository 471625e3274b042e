package dev.cni4j.agent;

import java.util.Map;
import java.util.Set;

/**
 * The Kubernetes API calls the agent makes, as RBAC resource → verbs: what
 * {@code deploy/clusterrole.yaml} must grant, no more. {@link NodeWatcher}: list and watch;
 * {@link NodeAnnotator}: patch, which fabric8 precedes with a get of the Node.
 * Tests check both directions: the manifest grants exactly this, and an agent run against the
 * mock API makes no other call.
 */
public final class ApiAccess {
    public static final Map<String, Set<String>> CORE_VERBS = Map.of("nodes", Set.of("get", "list", "watch", "patch"));

    private ApiAccess() {}
}
