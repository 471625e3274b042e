package dev.cni4j.agent.serve;

import dev.cni4j.daemon.RequestObserver;
import dev.cni4j.node.HostLocalReservations;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** The agent's counters and gauges, rendered in the Prometheus text exposition format (0.0.4). */
public final class Metrics {
    public final AtomicLong reconcileRuns = new AtomicLong();
    public final AtomicLong reconcileErrors = new AtomicLong();
    public final AtomicLong apiErrors = new AtomicLong();
    public final AtomicLong watchRestarts = new AtomicLong();
    public final AtomicLong routesProgrammed = new AtomicLong();
    public final AtomicLong entriesRemoved = new AtomicLong();
    public final AtomicLong nodesKnown = new AtomicLong();
    public final AtomicLong nodesSkipped = new AtomicLong();
    private volatile double lastReconcileSeconds;
    private volatile double lastReconcileTimestamp;
    final PluginCallMetrics pluginCalls = new PluginCallMetrics();
    private volatile Consumer<StringBuilder> policy; // networkPolicy=on: the policy series, rendered last
    private final AgentStatus status;
    private final Path hostLocalDataDir;

    public Metrics(AgentStatus status, Path hostLocalDataDir) {
        this.status = status;
        this.hostLocalDataDir = hostLocalDataDir;
    }

    /** Records the end of a reconcile pass: its duration, and when it ended (Unix time, seconds). */
    public void reconcileEnded(double seconds, double timestamp) {
        lastReconcileSeconds = seconds;
        lastReconcileTimestamp = timestamp;
    }

    /** What counts the fast path's calls (a hook that also sees every call must pass them on to it). */
    public RequestObserver pluginCallObserver() {
        return pluginCalls;
    }

    /** Appends the NetworkPolicy series (networkPolicy=on) to every scrape. */
    public void policySeries(Consumer<StringBuilder> series) {
        policy = series;
    }

    public String render() {
        StringBuilder b = new StringBuilder(2048);
        counter(b, "cni4j_agent_reconcile_runs_total", "Reconcile runs.", reconcileRuns.get());
        counter(
                b,
                "cni4j_agent_reconcile_errors_total",
                "Reconcile runs that ended with an error.",
                reconcileErrors.get());
        counter(
                b,
                "cni4j_agent_api_errors_total",
                "Failed Kubernetes API requests (list, watch, get, patch; an HTTP error or no response) and watches ended by an error; all retried.",
                apiErrors.get());
        counter(
                b,
                "cni4j_agent_watch_restarts_total",
                "Node watches the agent dropped and re-listed: a local address went away, or the API server sent nothing for watchSilenceSeconds.",
                watchRestarts.get());
        counter(
                b,
                "cni4j_agent_stale_entries_removed_total",
                "Routes, fdb and neighbour entries removed for nodes that left.",
                entriesRemoved.get());
        gauge(b, "cni4j_agent_routes_programmed", "Routes to other nodes' pod CIDRs in place.", routesProgrammed.get());
        gauge(b, "cni4j_agent_nodes_known", "Nodes in the informer cache.", nodesKnown.get());
        gauge(
                b,
                "cni4j_agent_nodes_skipped",
                "Nodes that get no route (no podCIDR, overlap, no address).",
                nodesSkipped.get());
        gauge(
                b,
                "cni4j_agent_last_reconcile_duration_seconds",
                "Duration of the last reconcile.",
                lastReconcileSeconds);
        gauge(
                b,
                "cni4j_agent_last_reconcile_timestamp_seconds",
                "When the last reconcile ended (Unix time).",
                lastReconcileTimestamp);
        gauge(b, "cni4j_agent_ready", "1 when routes and the conflist are in place.", status.ready() ? 1 : 0);
        gauge(
                b,
                "cni4j_agent_config_valid",
                "0 when the configuration has problems (see /readyz).",
                status.configValid() ? 1 : 0);
        gauge(
                b,
                "cni4j_agent_api_synced",
                "1 once the Node informer has synced with the API server.",
                status.apiSynced() ? 1 : 0);
        header(b, "cni4j_agent_node_skipped", "gauge", "1 per node that gets no route, labelled with the node.");
        status.skippedNodes().keySet().stream()
                .sorted()
                .forEach(n -> b.append("cni4j_agent_node_skipped{node=\"")
                        .append(escape(n))
                        .append("\"} 1\n"));
        header(b, "cni4j_ipam_allocated_ips", "gauge", "host-local reservations per network (files in its data dir).");
        ipamUsage()
                .forEach((net, n) -> b.append("cni4j_ipam_allocated_ips{network=\"")
                        .append(escape(net))
                        .append("\"} ")
                        .append(n)
                        .append('\n'));
        pluginCalls.render(b);
        Consumer<StringBuilder> pc = policy;
        if (pc != null) {
            pc.accept(b);
        }
        return b.toString();
    }

    /** network → number of reserved addresses, from host-local's on-disk layout. */
    Map<String, Long> ipamUsage() {
        Map<String, Long> out = new TreeMap<>();
        try {
            HostLocalReservations.scan(hostLocalDataDir)
                    .forEach((net, reservations) -> out.put(net, (long) reservations.size()));
        } catch (UncheckedIOException e) {
            // a data dir that vanishes mid-scan just reports fewer networks
        }
        return out;
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        header(b, name, "counter", help);
        b.append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, double v) {
        header(b, name, "gauge", help);
        b.append(name)
                .append(' ')
                .append(v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v))
                .append('\n');
    }

    /** Appends the {@code # HELP} and {@code # TYPE} lines of a series. */
    public static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A label value escaped for the text format. */
    public static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
