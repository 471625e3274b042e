package dev.cni4j.agent.policy;

import dev.cni4j.agent.serve.HealthServer;
import dev.cni4j.agent.serve.Metrics;

/**
 * What the agent's HTTP server shows of network policy: {@code /policy/explain}
 * ({@link PolicyExplainEndpoint}), {@code /policy/drops} ({@link PolicyDropsEndpoint}) and the
 * policy series of {@code /metrics} ({@link PolicyMetrics}).
 */
public final class PolicyEndpoints {
    private PolicyEndpoints() {}

    /** Serves {@code controller}'s endpoints on {@code health} and adds its series to {@code metrics}. */
    public static void serve(PolicyController controller, HealthServer health, Metrics metrics) {
        metrics.policySeries(b -> PolicyMetrics.render(controller, b));
        health.handle(PolicyExplainEndpoint.PATH, new PolicyExplainEndpoint(controller));
        health.handle(PolicyDropsEndpoint.PATH, new PolicyDropsEndpoint(controller));
    }
}
