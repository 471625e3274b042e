package dev.cni4j.bench;

import dev.cni4j.linux.NetNs;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.RuntimeConf;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * portmap ADD as hostPort pods accumulate on the node (0, 100, 300 ...): real pods, each with a
 * veth, an address, a masquerade rule and one hostPort, as in the reference baseline. At each
 * level a few more pods are added and removed, and their portmap ADD times recorded.
 */
final class PortmapScaling {
    private static final int SAMPLES = 8;
    private static final int FILL_WORKERS = 4;

    private final PodBenchmark bench;
    private final NetNs node;
    private final CniRuntime runtime;
    private final TimingExec exec;
    private final NetworkConfigList net;
    private final NetworkConfigList lo;
    private final List<Path> namespaces = new ArrayList<>();
    private final List<RuntimeConf> existing = new ArrayList<>();

    PortmapScaling(
            PodBenchmark bench,
            NetNs node,
            CniRuntime runtime,
            TimingExec exec,
            NetworkConfigList net,
            NetworkConfigList lo) {
        this.bench = bench;
        this.node = node;
        this.runtime = runtime;
        this.exec = exec;
        this.net = net;
        this.lo = lo;
    }

    void measure(List<Integer> levels, Map<String, Stats> rows, Process daemon) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(FILL_WORKERS);
        try {
            for (int level : levels) {
                fill(pool, level);
                exec.reset();
                List<RuntimeConf> probes = new ArrayList<>();
                for (int i = 0; i < SAMPLES; i++) {
                    RuntimeConf rt = pod("probe");
                    node.run(() -> runtime.add(net, rt));
                    probes.add(rt);
                }
                List<Long> adds = exec.samples().getOrDefault("portmap ADD", List.of());
                rows.put("portmap ADD with " + level + " hostPort pods", Stats.ofNanos(adds));
                if (daemon != null) {
                    double rss = FastPathDaemon.rssMiB(daemon);
                    rows.put("daemon RSS MiB with " + (level + SAMPLES) + " pods", new Stats(rss, rss, rss, 1));
                }
                for (RuntimeConf rt : probes) {
                    node.run(() -> {
                        runtime.del(net, rt);
                        return null;
                    });
                }
            }
        } finally {
            List<Future<?>> dels = new ArrayList<>();
            for (RuntimeConf rt : existing) {
                dels.add(pool.submit(() -> node.run(() -> {
                    runtime.del(net, rt);
                    return null;
                })));
            }
            for (Future<?> f : dels) {
                try {
                    f.get();
                } catch (Exception e) {
                    System.err.println("scaling teardown: " + e.getMessage());
                }
            }
            pool.shutdown();
            for (Path ns : namespaces) {
                NetNs.delete(ns.getFileName().toString());
            }
        }
    }

    private void fill(ExecutorService pool, int level) throws Exception {
        List<Future<?>> adds = new ArrayList<>();
        while (existing.size() + adds.size() < level) {
            RuntimeConf rt = pod("fill");
            adds.add(pool.submit(() -> node.run(() -> runtime.add(net, rt))));
            existing.add(rt);
        }
        for (Future<?> f : adds) {
            f.get();
        }
        System.err.println("   " + existing.size() + " hostPort pods on the node");
    }

    private RuntimeConf pod(String kind) {
        Path ns = bench.newPodNamespace(kind);
        namespaces.add(ns);
        int id = bench.nextId();
        return new RuntimeConf("scale" + id, ns.toString(), "eth0", List.of(), PodBenchmark.capabilities(id));
    }
}
