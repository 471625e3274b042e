package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cni4j.testing.TestNetworks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The containerd column of the benchmark (run by bench/pods.sh, not by the test suite):
 * RunPodSandbox and StopPodSandbox + RemovePodSandbox through containerd 1.6's CRI, timed in this
 * client, for the reference plugins, ours standalone and ours through the fast path (a daemon in
 * containerd's namespaces), and a chain of no-op plugins ({@code src/test/c/noop-plugin.c}: ADD
 * answers an address without touching the kernel), which is containerd's own work plus four
 * execs: the floor of the ratio. Four containerd instances, one per column, each in its own node
 * namespace, run at once and the pods are interleaved (one pod per column in turn), so a busy
 * moment of the machine hits every column alike. Same conflist for all: loopback (containerd's
 * own) + bridge/host-local, portmap, bandwidth; one hostPort and 1M each way per pod.
 * {@code -Dcni4j.bench.containerd=N} runs N pods per column (after one warm-up pod each) and
 * writes the table to {@code target/containerd-bench.md}.
 */
@EnabledIfSystemProperty(named = "cni4j.bench.containerd", matches = "\\d+")
class ContainerdPodBenchmark {
    private static final String CONFLIST = """
            {"cniVersion":"1.0.0","name":"%s","plugins":[
             {"type":"bridge","bridge":"cni0","isGateway":true,"isDefaultGateway":true,"hairpinMode":true,
              "ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]]}},
             {"type":"portmap","capabilities":{"portMappings":true},"snat":true},
             {"type":"bandwidth","capabilities":{"bandwidth":true}}]}
            """.formatted(ContainerdNode.NETWORK, ContainerdNode.POD_CIDR);
    private static final Map<String, String> ONE_MBIT =
            Map.of("kubernetes.io/ingress-bandwidth", "1M", "kubernetes.io/egress-bandwidth", "1M");

    private static final String NOOP = "no-op chain";

    @TempDir
    Path tmp;

    /** loopback, bridge, portmap and bandwidth as one static no-op binary (hard links), built here. */
    private Path noopPlugins() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("noop-bin"));
        Path exe = dir.resolve("noop");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-static", "-o", exe.toString(), "src/test/c/noop-plugin.c")
                .inheritIO()
                .start();
        assertEquals(0, gcc.waitFor(), "gcc");
        for (String type : List.of("loopback", "bridge", "portmap", "bandwidth", "host-local")) {
            Files.createLink(dir.resolve(type), exe);
        }
        return dir;
    }

    @Test
    void runPodSandboxForEachImplementation() throws Exception {
        ContainerdNode.assumeAvailable();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "reference plugins not installed");
        int pods = Integer.getInteger("cni4j.bench.containerd");
        Map<String, ContainerdNode> nodes = new LinkedHashMap<>();
        List<TestNetworks> nets = new ArrayList<>();
        try {
            Path noop = noopPlugins();
            for (String impl : List.of("reference", "cni4j-standalone", "cni4j-fastpath", NOOP)) {
                TestNetworks net = TestNetworks.create();
                nets.add(net);
                Path bin = impl.equals("reference")
                        ? Path.of("/usr/lib/cni")
                        : impl.equals(NOOP) ? noop : Exec.DIST.resolve("bin");
                nodes.put(
                        impl,
                        ContainerdNode.start(
                                net, tmp.resolve(impl.replace(' ', '-')), bin, CONFLIST, impl.endsWith("fastpath")));
            }
            Map<String, List<Long>> run = new LinkedHashMap<>();
            Map<String, List<Long>> remove = new LinkedHashMap<>();
            nodes.keySet().forEach(impl -> {
                run.put(impl, new ArrayList<>());
                remove.put(impl, new ArrayList<>());
            });
            for (int i = 0; i <= pods; i++) {
                for (Map.Entry<String, ContainerdNode> e : nodes.entrySet()) {
                    CriRuntime cri = e.getValue().cri();
                    long t0 = System.nanoTime();
                    String id = cri.runPodSandbox("bench" + i, List.of(new CriRuntime.HostPort(8080, 80)), ONE_MBIT);
                    long t1 = System.nanoTime();
                    cri.stopPodSandbox(id);
                    cri.removePodSandbox(id);
                    long t2 = System.nanoTime();
                    if (i > 0) { // pod 0 warms up: it creates the bridge
                        run.get(e.getKey()).add(t1 - t0);
                        remove.get(e.getKey()).add(t2 - t1);
                    }
                }
            }
            ContainerdNode fastPath = nodes.get("cni4j-fastpath");
            assertEquals(
                    12L * (pods + 1),
                    fastPath.served().size(),
                    "the fast path served every call: " + fastPath.daemonLogText());
            String table = table(pods, run, remove) + daemonTimes(fastPath.served());
            System.out.println(table);
            Files.writeString(Path.of("target/containerd-bench.md"), table);
        } finally {
            nodes.values().forEach(ContainerdNode::close);
            nets.forEach(TestNetworks::close);
        }
    }

    private static String table(int pods, Map<String, List<Long>> run, Map<String, List<Long>> remove) {
        StringBuilder sb = new StringBuilder();
        sb.append("containerd ")
                .append(ContainerdNode.version())
                .append(" CRI, driven over runtime.v1 gRPC as kubelet does; ")
                .append(pods)
                .append(" pods per column, interleaved, after one warm-up pod each. Chain: containerd's loopback + ")
                .append("bridge/host-local -> portmap -> bandwidth, one hostPort and 1M each way per pod. ")
                .append("Times in ms: median (min-max); ratio = implementation / reference.\n\n");
        sb.append("| containerd | reference | cni4j-standalone | cni4j-fastpath | no-op chain (containerd's own work) "
                + "| cni4j-standalone/reference | cni4j-fastpath/reference | no-op chain/reference |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        row(sb, "RunPodSandbox", run);
        row(sb, "StopPodSandbox + RemovePodSandbox", remove);
        return sb.toString();
    }

    /**
     * The daemon's own time per call type in the fast-path column (from its "served" log lines, warm-up pod included).
     */
    private static String daemonTimes(List<String> served) {
        Map<String, List<Long>> byCall = new TreeMap<>();
        for (String line : served) { // "cni4j-daemon: served bridge ADD <id> exit=0 3.1 ms"
            String[] f = line.substring(line.indexOf(" served ") + 8).split(" ");
            if (f.length >= 6 && f[f.length - 1].equals("ms")) {
                long nanos = Math.round(Double.parseDouble(f[f.length - 2]) * 1e6);
                byCall.computeIfAbsent(f[0] + " " + f[1], k -> new ArrayList<>())
                        .add(nanos);
            }
        }
        StringBuilder sb = new StringBuilder(
                "\nThe daemon's own time per call in the cni4j-fastpath column, ms, median (min-max):");
        byCall.forEach((call, s) -> sb.append(String.format(
                " %s %.1f (%.1f-%.1f);", call, median(s) / 1e6, Collections.min(s) / 1e6, Collections.max(s) / 1e6)));
        return sb.append('\n').toString();
    }

    private static void row(StringBuilder sb, String name, Map<String, List<Long>> samples) {
        double ref = median(samples.get("reference"));
        sb.append("| ").append(name).append(" |");
        for (List<Long> s : samples.values()) {
            sb.append(String.format(
                    " %.1f (%.1f-%.1f) |", median(s) / 1e6, Collections.min(s) / 1e6, Collections.max(s) / 1e6));
        }
        sb.append(String.format(
                " %.2f | %.2f | %.2f |%n",
                median(samples.get("cni4j-standalone")) / ref,
                median(samples.get("cni4j-fastpath")) / ref,
                median(samples.get(NOOP)) / ref));
    }

    private static double median(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }
}
