package dev.cni4j.bench;

import dev.cni4j.linux.NetNs;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.NetworkConfigParser;
import dev.cni4j.runtime.ProcessPluginExec;
import dev.cni4j.runtime.ResultCache;
import dev.cni4j.runtime.RuntimeConf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs whole pods through our runtime library, for each plugin implementation in turn (ours,
 * the reference plugins, ...), with the same conflists on the same machine in one run: per-plugin
 * exec times, sequential pod setup and teardown, and 50 pods at 2 and 8 concurrent workers.
 * Everything happens in throwaway namespaces ({@code cni4jb-<pid>-*}). Run by bench/pods.sh.
 */
public final class PodBenchmark {
    private final String tag = "cni4jb-" + ProcessHandle.current().pid();
    private final Path work;
    private final int runs;
    private final int pods;
    private final List<String> chain;
    private final List<Integer> scaleLevels;
    private int counter;

    private PodBenchmark(Path work, int runs, int pods, List<String> chain, List<Integer> scaleLevels) {
        this.work = work;
        this.runs = runs;
        this.pods = pods;
        this.chain = chain;
        this.scaleLevels = scaleLevels;
    }

    /** What one implementation measured: name -> stats, in insertion order. */
    record Measured(Map<String, Stats> rows) {}

    public static void main(String[] args) throws Exception {
        Map<String, Path> impls = new LinkedHashMap<>();
        int runs = 20;
        int pods = 50;
        List<Integer> scale = List.of(0, 100, 300);
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--impl" -> {
                    String[] kv = args[++i].split("=", 2);
                    impls.put(kv[0], Path.of(kv[1]));
                }
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--scale" ->
                    scale = java.util.Arrays.stream(args[++i].split(","))
                            .filter(x -> !x.isEmpty())
                            .map(Integer::valueOf)
                            .toList();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // The chain is what every implementation has, so the comparison stays like for like.
        List<String> chain = new ArrayList<>();
        for (String type : List.of("bridge", "portmap", "bandwidth")) {
            boolean all = true;
            for (Path dir : impls.values()) {
                all &= Files.isExecutable(dir.resolve(type));
            }
            if (all) {
                chain.add(type);
            }
        }
        Path work = Files.createTempDirectory("cni4j-bench");
        PodBenchmark bench = new PodBenchmark(work, runs, pods, chain, scale);
        Map<String, Measured> results = new LinkedHashMap<>();
        for (Map.Entry<String, Path> impl : impls.entrySet()) {
            System.err.println("== " + impl.getKey() + " (" + impl.getValue() + ")");
            results.put(impl.getKey(), bench.measure(impl.getKey(), impl.getValue()));
        }
        String report = Report.render(results, chain, runs, pods, scale);
        System.out.print(report);
        if (out != null) {
            Report.writeDocs(out, report);
        }
    }

    private Measured measure(String name, Path bin) throws Exception {
        Map<String, Stats> rows = new LinkedHashMap<>();
        Path node = NetNs.create(tag + "-node");
        Process daemon = null;
        try (NetNs nodeNs = NetNs.open(node)) {
            if (name.endsWith("fastpath")) {
                daemon = FastPathDaemon.start(nodeNs, bin);
            }
            TimingExec exec = new TimingExec(new ProcessPluginExec(Duration.ofMinutes(2), (p, b) -> {}));
            CniRuntime runtime = new CniRuntime(List.of(bin), exec, new ResultCache(work.resolve(name + "-cache")));
            NetworkConfigList lo =
                    parse("{\"cniVersion\":\"1.0.0\",\"name\":\"bench-lo\",\"plugins\":[{\"type\":\"loopback\"}]}");
            NetworkConfigList net = parse(conflist(work.resolve(name + "-ipam")));

            // Warm-up pod: creates the bridge, so every measured pod finds it.
            pod(nodeNs, runtime, lo, net, 0);
            exec.reset();
            List<Long> setup = new ArrayList<>();
            List<Long> teardown = new ArrayList<>();
            for (int i = 1; i <= runs; i++) {
                long[] t = pod(nodeNs, runtime, lo, net, i);
                setup.add(t[0]);
                teardown.add(t[1]);
            }
            for (Map.Entry<String, List<Long>> e : new java.util.TreeMap<>(exec.samples()).entrySet()) {
                rows.put(e.getKey(), Stats.ofNanos(e.getValue()));
            }
            rows.put("pod setup (lo + chain ADD)", Stats.ofNanos(setup));
            rows.put("pod teardown (chain DEL + lo DEL)", Stats.ofNanos(teardown));
            if (!name.endsWith("fastpath")) { // the daemon's CPU is not the exec'd launcher's
                double setupCpu = 0;
                double teardownCpu = 0;
                for (Map.Entry<String, List<Long>> e : new java.util.TreeMap<>(exec.cpuSamples()).entrySet()) {
                    double mean = e.getValue().stream()
                            .mapToLong(Long::longValue)
                            .average()
                            .orElse(Double.NaN);
                    rows.put("CPU ms per exec (mean): " + e.getKey(), new Stats(mean, mean, mean, 1));
                    if (e.getKey().endsWith(" ADD")) {
                        setupCpu += mean;
                    } else {
                        teardownCpu += mean;
                    }
                }
                rows.put("CPU ms per pod setup (mean)", new Stats(setupCpu, setupCpu, setupCpu, 1));
                rows.put("CPU ms per pod teardown (mean)", new Stats(teardownCpu, teardownCpu, teardownCpu, 1));
            }
            for (int workers : pods == 0 ? new int[0] : new int[] {2, 8}) {
                double[] rate = concurrent(nodeNs, runtime, lo, net, workers);
                rows.put(
                        pods + " pods setup, " + workers + " workers (pods/s)",
                        new Stats(rate[0], rate[0], rate[0], 1));
                rows.put(
                        pods + " pods teardown, " + workers + " workers (pods/s)",
                        new Stats(rate[1], rate[1], rate[1], 1));
            }
            if (chain.contains("portmap") && !scaleLevels.isEmpty()) {
                new PortmapScaling(this, nodeNs, runtime, exec, net, lo).measure(scaleLevels, rows, daemon);
            }
        } finally {
            if (daemon != null) {
                FastPathDaemon.stop(daemon);
            }
            NetNs.delete(tag + "-node");
        }
        return new Measured(rows);
    }

    /** A fresh pod namespace with a name of this run. */
    Path newPodNamespace(String kind) {
        return NetNs.create(tag + "-" + kind + (++counter));
    }

    int nextId() {
        return ++counter;
    }

    /** One pod: returns {setup, teardown} nanos; namespace creation is not timed. */
    private long[] pod(NetNs node, CniRuntime runtime, NetworkConfigList lo, NetworkConfigList net, int i)
            throws Exception {
        String name = tag + "-p" + (++counter);
        Path pod = NetNs.create(name);
        try {
            RuntimeConf rtLo = new RuntimeConf("bench" + counter, pod.toString(), "lo");
            RuntimeConf rt =
                    new RuntimeConf("bench" + counter, pod.toString(), "eth0", List.of(), capabilities(counter));
            return setupAndTeardown(node, runtime, lo, rtLo, net, rt);
        } finally {
            NetNs.delete(name);
        }
    }

    /** ADD of lo then the chain, DEL the other way round, in {@code node}: {setup, teardown} nanos. */
    static long[] setupAndTeardown(
            NetNs node,
            CniRuntime runtime,
            NetworkConfigList lo,
            RuntimeConf rtLo,
            NetworkConfigList net,
            RuntimeConf rt)
            throws Exception {
        return node.run(() -> {
            long t0 = System.nanoTime();
            runtime.add(lo, rtLo);
            runtime.add(net, rt);
            long t1 = System.nanoTime();
            runtime.del(net, rt);
            runtime.del(lo, rtLo);
            long t2 = System.nanoTime();
            return new long[] {t1 - t0, t2 - t1};
        });
    }

    /** {setup pods/s, teardown pods/s} for {@code pods} pods at {@code workers} concurrent workers. */
    private double[] concurrent(
            NetNs node, CniRuntime runtime, NetworkConfigList lo, NetworkConfigList net, int workers) throws Exception {
        List<String> names = new ArrayList<>();
        List<RuntimeConf[]> confs = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            String name = tag + "-c" + (++counter);
            Path pod = NetNs.create(name);
            names.add(name);
            confs.add(new RuntimeConf[] {
                new RuntimeConf("conc" + counter, pod.toString(), "lo"),
                new RuntimeConf("conc" + counter, pod.toString(), "eth0", List.of(), capabilities(counter))
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            long t0 = System.nanoTime();
            runAll(
                    pool,
                    confs,
                    c -> node.run(() -> {
                        runtime.add(lo, c[0]);
                        return runtime.add(net, c[1]);
                    }));
            long t1 = System.nanoTime();
            runAll(
                    pool,
                    confs,
                    c -> node.run(() -> {
                        runtime.del(net, c[1]);
                        runtime.del(lo, c[0]);
                        return null;
                    }));
            long t2 = System.nanoTime();
            return new double[] {pods / ((t1 - t0) / 1e9), pods / ((t2 - t1) / 1e9)};
        } finally {
            pool.shutdown();
            names.forEach(NetNs::delete);
        }
    }

    /** One pod's ADD or DEL, given its {lo, chain} runtime configurations. */
    interface PodOp {
        Object run(RuntimeConf[] conf) throws Exception;
    }

    /** Runs {@code op} for every pod on {@code pool}, and waits for all (the first failure is thrown). */
    static void runAll(ExecutorService pool, List<RuntimeConf[]> confs, PodOp op) throws Exception {
        List<Future<Object>> futures = new ArrayList<>();
        for (RuntimeConf[] c : confs) {
            futures.add(pool.submit(() -> op.run(c)));
        }
        for (Future<Object> f : futures) {
            f.get();
        }
    }

    /** One hostPort and a 1 Mbit/s limit each way, as in the reference baseline's "full" pod (and bench/pods.sh's). */
    static Map<String, Object> capabilities(int n) {
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("portMappings", List.of(Map.of("hostPort", 20000 + n, "containerPort", 80, "protocol", "tcp")));
        caps.put(
                "bandwidth",
                Map.of(
                        "ingressRate",
                        1_000_000,
                        "ingressBurst",
                        1_000_000,
                        "egressRate",
                        1_000_000,
                        "egressBurst",
                        1_000_000));
        return caps;
    }

    private String conflist(Path dataDir) {
        return conflist(chain, dataDir, "10.244.0.0/16");
    }

    /** The pod's network: {@code chain} (bridge, portmap, bandwidth), host-local in {@code dataDir}. */
    static String conflist(List<String> chain, Path dataDir, String subnet) {
        StringBuilder plugins = new StringBuilder();
        for (String type : chain) {
            if (!plugins.isEmpty()) {
                plugins.append(',');
            }
            plugins.append(
                    switch (type) {
                        case "bridge" ->
                            "{\"type\":\"bridge\",\"bridge\":\"cni0\",\"isGateway\":true,\"ipMasq\":true,"
                                    + "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + dataDir
                                    + "\",\"ranges\":[[{\"subnet\":\"" + subnet + "\"}]]}}";
                        case "portmap" -> "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}";
                        default -> "{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}";
                    });
        }
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"benchnet\",\"plugins\":[" + plugins + "]}";
    }

    static NetworkConfigList parse(String json) {
        return NetworkConfigParser.parseList(json.getBytes(StandardCharsets.UTF_8));
    }

    static String machine() throws IOException {
        String model = "unknown CPU";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                model = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + model + "), kernel "
                + System.getProperty("os.version") + ", JDK " + System.getProperty("java.version");
    }
}
