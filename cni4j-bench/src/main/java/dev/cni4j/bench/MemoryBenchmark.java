package dev.cni4j.bench;

import dev.cni4j.linux.NetNs;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.NetworkConfigParser;
import dev.cni4j.runtime.ProcessPluginExec;
import dev.cni4j.runtime.ResultCache;
import dev.cni4j.runtime.RuntimeConf;
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

/**
 * The memory of a process that serves the fast path (the node daemon, or the agent with the
 * daemon inside) as pods accumulate: its RSS when idle, after {@code --pods} whole pods
 * (loopback + bridge/host-local -> portmap -> bandwidth, one hostPort and a rate limit each,
 * as in bench/pods.sh) made through {@code --bin}'s launchers by {@code --workers} threads, and
 * after they are deleted again ({@code --rounds} times), each a few seconds after the burst.
 * The process and the node namespace it serves are bench/memory.sh's; the pods live in throwaway
 * namespaces ({@code cni4jb-<pid>-*}). With {@code --jcmd}, each stage also saves the JVM's own
 * view ({@code VM.native_memory summary} when the process runs with NMT, {@code GC.heap_info})
 * and its mappings ({@code /proc/PID/smaps}).
 *
 * <pre>
 *   MemoryBenchmark --node /run/netns/N --pid PID --bin dist/bin [--pods 300] [--workers 4] [--rounds 1] [--settle 5]
 *                   [--subnet 10.244.0.0/16] [--jcmd JDK/bin/jcmd --dump DIR] [--label NAME]
 * </pre>
 * The environment must point the launchers at the process's socket ({@code CNI4J_SOCKET}) and
 * should say {@code CNI4J_FALLBACK=never}, so that a call it did not serve fails the run.
 */
public final class MemoryBenchmark {
    private final String tag = "cni4jb-" + ProcessHandle.current().pid();
    private final long pid;
    private final Path jcmd;
    private final Path dump;
    private final int settleSeconds;
    private final Map<String, long[]> stages = new LinkedHashMap<>();

    private MemoryBenchmark(long pid, Path jcmd, Path dump, int settleSeconds) {
        this.pid = pid;
        this.settleSeconds = settleSeconds;
        this.jcmd = jcmd;
        this.dump = dump;
    }

    public static void main(String[] args) throws Exception {
        Path node = null;
        Path bin = null;
        Path jcmd = null;
        Path dump = null;
        long pid = -1;
        int pods = 300;
        int workers = 4;
        int rounds = 1;
        int settle = 5;
        String subnet = "10.244.0.0/16";
        String label = "server";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--node" -> node = Path.of(args[++i]);
                case "--pid" -> pid = Long.parseLong(args[++i]);
                case "--bin" -> bin = Path.of(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--settle" -> settle = Integer.parseInt(args[++i]);
                case "--subnet" -> subnet = args[++i];
                case "--jcmd" -> jcmd = Path.of(args[++i]);
                case "--dump" -> dump = Path.of(args[++i]);
                case "--label" -> label = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (node == null || bin == null || pid < 0) {
            throw new IllegalArgumentException("--node, --pid and --bin are required");
        }
        MemoryBenchmark bench = new MemoryBenchmark(pid, jcmd, dump, settle);
        bench.run(node, bin, pods, workers, rounds, subnet);
        System.out.print(bench.table(label));
    }

    private void run(Path nodePath, Path bin, int pods, int workers, int rounds, String subnet) throws Exception {
        Path work = Files.createTempDirectory("cni4j-membench");
        CniRuntime runtime = new CniRuntime(
                List.of(bin),
                new ProcessPluginExec(Duration.ofMinutes(2), (p, b) -> {}),
                new ResultCache(work.resolve("cache")));
        NetworkConfigList lo =
                parse("{\"cniVersion\":\"1.0.0\",\"name\":\"bench-lo\",\"plugins\":[{\"type\":\"loopback\"}]}");
        NetworkConfigList net =
                parse(PodBenchmark.conflist(List.of("bridge", "portmap", "bandwidth"), work.resolve("ipam"), subnet));
        List<String> names = new ArrayList<>();
        List<RuntimeConf[]> confs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try (NetNs node = NetNs.open(nodePath)) {
            stage("idle");
            for (int i = 1; i <= pods; i++) {
                String name = tag + "-m" + i;
                Path pod = NetNs.create(name);
                names.add(name);
                confs.add(new RuntimeConf[] {
                    new RuntimeConf("mem" + i, pod.toString(), "lo"),
                    new RuntimeConf("mem" + i, pod.toString(), "eth0", List.of(), PodBenchmark.capabilities(i))
                });
            }
            for (int round = 1; round <= rounds; round++) {
                String again = round == 1 ? "" : " (round " + round + ")";
                PodBenchmark.runAll(
                        pool,
                        confs,
                        c -> node.run(() -> {
                            runtime.add(lo, c[0]);
                            return runtime.add(net, c[1]);
                        }));
                stage(pods + " pods" + again);
                PodBenchmark.runAll(
                        pool,
                        confs,
                        c -> node.run(() -> {
                            runtime.del(net, c[1]);
                            runtime.del(lo, c[0]);
                            return null;
                        }));
                stage("after their DEL" + again);
            }
        } finally {
            pool.shutdown();
            names.forEach(NetNs::delete);
        }
    }

    /**
     * After {@code --settle} seconds (default 5), records the process's RSS (anonymous and file-backed) and peak;
     * saves the JVM's view if asked.
     */
    private void stage(String name) throws Exception {
        Thread.sleep(settleSeconds * 1000L); // what the process keeps, not what a burst left behind a moment ago
        Map<String, Long> status = new LinkedHashMap<>(); // kB, or a count for Threads
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            String[] kv = line.split(":\\s+", 2);
            if (kv.length == 2 && kv[1].matches("[0-9]+( kB)?")) {
                status.put(kv[0], Long.parseLong(kv[1].replace(" kB", "")));
            }
        }
        stages.put(name, new long[] {
            status.get("VmRSS"),
            status.get("RssAnon"),
            status.get("RssFile") + status.get("RssShmem"),
            status.get("VmHWM"),
            status.get("Threads")
        });
        System.err.printf("   %s: RSS %.1f MiB%n", name, status.get("VmRSS") / 1024.0);
        if (jcmd != null && dump != null) {
            Files.createDirectories(dump);
            String file = name.replaceAll("[^A-Za-z0-9]+", "-");
            Files.copy(Path.of("/proc/" + pid + "/smaps"), dump.resolve(file + ".smaps.txt"));
            for (String command : List.of("VM.native_memory summary", "GC.heap_info")) {
                List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
                cmd.addAll(List.of(command.split(" ")));
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(dump.resolve(file + "." + command.split(" ")[0] + ".txt")
                                .toFile())
                        .start()
                        .waitFor();
            }
        }
    }

    private String table(String label) {
        StringBuilder sb = new StringBuilder("| " + label
                + " | RSS MiB | anonymous | file-backed | peak RSS | threads |\n" + "|---|---|---|---|---|---|\n");
        stages.forEach((name, v) -> sb.append(String.format(
                "| %s | %.1f | %.1f | %.1f | %.1f | %d |%n",
                name, v[0] / 1024.0, v[1] / 1024.0, v[2] / 1024.0, v[3] / 1024.0, v[4])));
        return sb.toString();
    }

    private static NetworkConfigList parse(String json) {
        return NetworkConfigParser.parseList(json.getBytes(StandardCharsets.UTF_8));
    }
}
