/**
 * What the node agent serves and reports: {@link dev.cni4j.agent.serve.AgentStatus} (the
 * readiness and liveness rules of {@code /readyz} and {@code /healthz}), {@link dev.cni4j.agent.serve.Metrics}
 * and {@link dev.cni4j.agent.serve.PluginCallMetrics} ({@code /metrics} in Prometheus text),
 * {@link dev.cni4j.agent.serve.HealthServer} (the HTTP server; other packages add handlers to it),
 * {@link dev.cni4j.agent.serve.FastPath} (the plugins' fast path, the {@code cni4j-daemon} in the
 * agent's process), {@link dev.cni4j.agent.serve.JsonLog} (one JSON object per line on stderr) and
 * {@link dev.cni4j.agent.serve.LibraryLog} (fabric8's SLF4J logging into that log). The bottom of
 * the agent: it depends on {@code cni4j-daemon}, {@code cni4j-core} and the SLF4J API only, never on another agent
 * package; every other agent package may use it.
 */
package dev.cni4j.agent.serve;
