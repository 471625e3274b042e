package dev.cni4j.agent.serve;

import dev.cni4j.daemon.RequestObserver;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The CNI calls the agent's fast path ran (ADD, DEL, CHECK, ...): counts by plugin, command and
 * result, and a latency histogram by plugin and command, in Prometheus text. Calls the fast path
 * declined (busy, another namespace) ran standalone and appear only as declines.
 */
final class PluginCallMetrics implements RequestObserver {
    /** Latency buckets in seconds: a warm loopback ADD takes ~1 ms, a bridge ADD a few ms, portmap more. */
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private static final Set<String> COMMANDS = Set.of("ADD", "DEL", "CHECK", "VERSION", "GC", "STATUS");

    private record Call(String plugin, String command) {}

    private record Outcome(Call call, String result) {}

    /** One histogram series; buckets hold counts per bucket (not cumulative), the last one +Inf. */
    private static final class Latency {
        final AtomicLongArray buckets = new AtomicLongArray(BUCKETS.length + 1);
        final DoubleAdder sum = new DoubleAdder();
        final LongAdder count = new LongAdder();
    }

    private final Map<Outcome, LongAdder> calls = new ConcurrentHashMap<>();
    private final Map<Call, Latency> latency = new ConcurrentHashMap<>();
    private final Map<Decline, LongAdder> declined = new ConcurrentHashMap<>();
    volatile boolean serving;

    @Override
    public void served(String type, String command, int exitCode, long nanos) {
        // the type is one of ours (others are declined); the command is the caller's: bound it
        Call call = new Call(type, COMMANDS.contains(command) ? command : "other");
        calls.computeIfAbsent(new Outcome(call, exitCode == 0 ? "success" : "error"), k -> new LongAdder())
                .increment();
        double seconds = nanos / 1e9;
        Latency l = latency.computeIfAbsent(call, k -> new Latency());
        int b = 0;
        while (b < BUCKETS.length && seconds > BUCKETS[b]) {
            b++;
        }
        l.buckets.incrementAndGet(b);
        l.sum.add(seconds);
        l.count.increment();
    }

    @Override
    public void declined(Decline reason) {
        declined.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    /** Total calls of {@code plugin}/{@code command} with {@code result} ("success", "error"). */
    long count(String plugin, String command, String result) {
        LongAdder a = calls.get(new Outcome(new Call(plugin, command), result));
        return a == null ? 0 : a.sum();
    }

    void render(StringBuilder b) {
        Metrics.header(b, "cni4j_fastpath_serving", "gauge", "1 while the agent's fast-path socket accepts CNI calls.");
        b.append("cni4j_fastpath_serving ").append(serving ? 1 : 0).append('\n');
        Metrics.header(
                b,
                "cni4j_cni_requests_total",
                "counter",
                "CNI calls run by the agent's fast path, by plugin, command and result (success: exit 0).");
        calls.entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getKey().toString()))
                .forEach(e -> b.append("cni4j_cni_requests_total{")
                        .append(labels(e.getKey().call()))
                        .append(",result=\"")
                        .append(e.getKey().result())
                        .append("\"} ")
                        .append(e.getValue().sum())
                        .append('\n'));
        Metrics.header(
                b,
                "cni4j_cni_request_duration_seconds",
                "histogram",
                "Duration of the CNI calls run by the fast path.");
        latency.entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getKey().toString()))
                .forEach(e -> {
                    String labels = labels(e.getKey());
                    Latency l = e.getValue();
                    long cumulative = 0;
                    for (int i = 0; i <= BUCKETS.length; i++) {
                        cumulative += l.buckets.get(i);
                        b.append("cni4j_cni_request_duration_seconds_bucket{")
                                .append(labels)
                                .append(",le=\"")
                                .append(i < BUCKETS.length ? String.valueOf(BUCKETS[i]) : "+Inf")
                                .append("\"} ")
                                .append(cumulative)
                                .append('\n');
                    }
                    b.append("cni4j_cni_request_duration_seconds_sum{")
                            .append(labels)
                            .append("} ")
                            .append(l.sum.sum())
                            .append('\n');
                    b.append("cni4j_cni_request_duration_seconds_count{")
                            .append(labels)
                            .append("} ")
                            .append(l.count.sum())
                            .append('\n');
                });
        Metrics.header(
                b,
                "cni4j_fastpath_declined_total",
                "counter",
                "CNI calls the fast path declined (their launcher ran the standalone plugin), by reason.");
        for (Decline d : Decline.values()) {
            LongAdder a = declined.get(d);
            b.append("cni4j_fastpath_declined_total{reason=\"")
                    .append(d.label())
                    .append("\"} ")
                    .append(a == null ? 0 : a.sum())
                    .append('\n');
        }
    }

    private static String labels(Call c) {
        return "plugin=\"" + Metrics.escape(c.plugin()) + "\",command=\"" + c.command() + "\"";
    }
}
