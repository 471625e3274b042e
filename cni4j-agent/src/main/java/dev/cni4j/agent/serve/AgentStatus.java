package dev.cni4j.agent.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code /readyz} reports: the agent is ready once its own routes are programmed and the
 * conflist is in place, and no blocking condition holds. Problems with other nodes are warnings:
 * they cost those nodes their routes, not this node its readiness.
 */
public final class AgentStatus {
    private volatile List<String> configProblems = List.of();
    private volatile String apiProblem = "Nodes not listed yet";
    private volatile String annotationProblem;
    private volatile long annotationFailingSince;
    private volatile String selfProblem;
    private volatile String selfWarning;
    private volatile String backendProblem;
    private volatile boolean routesProgrammed;
    private volatile boolean conflistWritten;
    private volatile Map<String, String> skippedNodes = Map.of();
    private volatile List<String> syncErrors = List.of();
    private volatile Map<String, String> pendingNodes = Map.of();
    private volatile Map<String, String> ipv6SkippedNodes = Map.of();
    private volatile String policyProblem;
    private volatile List<String> policyWarnings = List.of();
    private volatile long passStartedNanos; // 0 while no pass runs
    public static final long STUCK_NANOS = 120_000_000_000L;
    /**
     * A failing annotation PATCH is a warning this long, then it blocks readiness (peers cannot reach this node's
     * pods).
     */
    public static final long ANNOTATION_GRACE_NANOS = 30_000_000_000L;

    public void configProblems(List<String> p) {
        configProblems = List.copyOf(p);
    }

    public void apiProblem(String p) {
        apiProblem = p;
    }

    public void annotationProblem(String p, long sinceNanos) {
        annotationFailingSince = sinceNanos;
        annotationProblem = p;
    }

    public void selfProblem(String p) {
        selfProblem = p;
    }

    public void selfWarning(String w) {
        selfWarning = w;
    }

    public void backendProblem(String p) {
        backendProblem = p;
    }

    public void routesProgrammed(boolean b) {
        routesProgrammed = b;
    }

    public void conflistWritten(boolean b) {
        conflistWritten = b;
    }

    public void skippedNodes(Map<String, String> m) {
        skippedNodes = Map.copyOf(m);
    }

    public void syncErrors(List<String> e) {
        syncErrors = List.copyOf(e);
    }

    public void pendingNodes(Map<String, String> m) {
        pendingNodes = Map.copyOf(m);
    }

    public void ipv6SkippedNodes(Map<String, String> m) {
        ipv6SkippedNodes = Map.copyOf(m);
    }

    public void policyProblem(String p) {
        policyProblem = p;
    }

    public void policyWarnings(List<String> w) {
        policyWarnings = List.copyOf(w);
    }

    public void passStarted(long nanos) {
        passStartedNanos = nanos;
    }

    public void passEnded() {
        passStartedNanos = 0;
    }

    /**
     * Why {@code /healthz} should fail, or null: only a reconcile pass stuck for two minutes (a
     * hung nft, a wedged netlink socket), which a restart can cure. Everything else is a
     * readiness matter: restarting would not fix a bad Node object or an unreachable API.
     */
    public String livenessProblem(long nowNanos) {
        long started = passStartedNanos;
        if (started == 0 || nowNanos - started < STUCK_NANOS) {
            return null;
        }
        return "reconcile pass running for " + (nowNanos - started) / 1_000_000_000L + " s";
    }

    public boolean ready() {
        return blocking().isEmpty();
    }

    public boolean configValid() {
        return configProblems.isEmpty();
    }

    public boolean apiSynced() {
        return apiProblem == null;
    }

    public Map<String, String> skippedNodes() {
        return skippedNodes;
    }

    /** Why the agent is not ready (empty when ready). */
    public List<String> blocking() {
        List<String> out = new ArrayList<>();
        for (String p : configProblems) {
            out.add("config: " + p);
        }
        if (apiProblem != null) {
            out.add("api: " + apiProblem);
        }
        String ann = annotationProblem;
        if (ann != null && System.nanoTime() - annotationFailingSince > ANNOTATION_GRACE_NANOS) {
            out.add("api: " + ann + " (for " + (System.nanoTime() - annotationFailingSince) / 1_000_000_000L + " s)");
        }
        if (selfProblem != null) {
            out.add("node: " + selfProblem);
        }
        if (backendProblem != null) {
            out.add("backend: " + backendProblem);
        }
        if (!routesProgrammed) {
            out.add("routes: not programmed yet");
        }
        if (!conflistWritten) {
            out.add("conflist: not written yet");
        }
        if (policyProblem != null) {
            out.add("policy: " + policyProblem);
        }
        return out;
    }

    /**
     * Non-blocking conditions: this node's own (an IPv6 pod CIDR outside the cluster's), skipped and pending peers,
     * per-peer errors.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        if (selfWarning != null) {
            out.add("node: " + selfWarning);
        }
        String ann = annotationProblem;
        if (ann != null && System.nanoTime() - annotationFailingSince <= ANNOTATION_GRACE_NANOS) {
            out.add("api: " + ann);
        }
        skippedNodes.forEach((n, why) -> out.add("node " + n + " skipped: " + why));
        pendingNodes.forEach((n, why) -> out.add("node " + n + " pending: " + why));
        ipv6SkippedNodes.forEach((n, why) -> out.add("node " + n + " IPv6 skipped: " + why));
        for (String e : syncErrors) {
            out.add("sync: " + e);
        }
        for (String w : policyWarnings) {
            out.add("policy: " + w);
        }
        return out;
    }
}
