package dev.cni4j.bench;

import dev.cni4j.linux.KernelCalls;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.linux.rtnl.Ifb;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Veth;
import dev.cni4j.plugins.Plugins;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.PluginExec;
import dev.cni4j.runtime.ResultCache;
import dev.cni4j.runtime.RuntimeConf;
import dev.cni4j.skel.Delegate;
import dev.cni4j.skel.PluginMain;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the time of a fast-path pod setup and teardown goes: the whole pod chain of
 * {@code bench/pods.sh} (loopback; bridge with host-local -> portmap -> bandwidth) run in-process,
 * as the fast-path daemon runs it (one warm JVM, libnftables), with every plugin call timed and
 * its kernel calls counted ({@link KernelCalls}: netlink round trips by message type, nftables
 * transactions, sysctls). Then the kernel floor of the costly steps measured the same way: a bare
 * veth pair into a pod namespace, an ifb, created and deleted. Prints markdown tables.
 *
 * <pre>nsenter-free: java ... FastPathProfile [--runs 30] [--warm-up 5] [--exec-nft]</pre>
 *
 * Everything happens in throwaway namespaces ({@code cni4jb-<pid>-*}); run as root.
 */
public final class FastPathProfile {
    private static final String[] SETUP = {"loopback ADD", "bridge ADD", "portmap ADD", "bandwidth ADD"};
    private static final String[] TEARDOWN = {"bandwidth DEL", "portmap DEL", "bridge DEL", "loopback DEL"};

    private final String tag = "cni4jb-" + ProcessHandle.current().pid();
    private final Map<String, List<Long>> nanos = new LinkedHashMap<>();
    private final Map<String, List<Map<String, KernelCalls.Tally>>> calls = new LinkedHashMap<>();
    private boolean measuring;
    private int counter;

    public static void main(String[] args) throws Exception {
        int runs = 30;
        int warmUp = 5;
        boolean library = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warm-up" -> warmUp = Integer.parseInt(args[++i]);
                case "--exec-nft" -> library = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (library) {
            Nft.useLibrary(true); // as the daemon does
        }
        new FastPathProfile().run(runs, warmUp);
    }

    private void run(int runs, int warmUp) throws Exception {
        Path work = Files.createTempDirectory("cni4j-profile");
        Path bin = stubLaunchers(work.resolve("bin"));
        String node = tag + "-node";
        NetNs.create(node);
        try (NetNs nodeNs = NetNs.open(NetNs.namedPath(node))) {
            nodeNs.run(() -> {
                try (Rtnl r = Rtnl.openCurrent()) {
                    r.links().setUp("lo");
                }
                return null;
            });
            CniRuntime runtime =
                    new CniRuntime(List.of(bin), new InProcessExec(), new ResultCache(work.resolve("cache")));
            NetworkConfigList lo = PodBenchmark.parse(
                    "{\"cniVersion\":\"1.0.0\",\"name\":\"bench-lo\",\"plugins\":[{\"type\":\"loopback\"}]}");
            NetworkConfigList net = PodBenchmark.parse(conflist(work.resolve("ipam")));
            KernelCalls.enable(true);
            for (int i = 0; i < warmUp + runs; i++) {
                measuring = i >= warmUp;
                pod(nodeNs, runtime, lo, net);
            }
            measuring = true;
            floor(nodeNs, runs);
        } finally {
            NetNs.delete(node);
        }
        System.out.println(report(runs));
    }

    /** One pod: setup then teardown, each plugin call recorded by {@link InProcessExec}. */
    private void pod(NetNs node, CniRuntime runtime, NetworkConfigList lo, NetworkConfigList net) throws Exception {
        int n = ++counter;
        String name = tag + "-p" + n;
        Path pod = NetNs.create(name);
        try {
            RuntimeConf rtLo = new RuntimeConf("prof" + n, pod.toString(), "lo");
            RuntimeConf rt =
                    new RuntimeConf("prof" + n, pod.toString(), "eth0", List.of(), PodBenchmark.capabilities(n));
            long[] nanos = PodBenchmark.setupAndTeardown(node, runtime, lo, rtLo, net, rt);
            record("pod setup (lo + chain ADD)", nanos[0], null);
            record("pod teardown (chain DEL + lo DEL)", nanos[1], null);
        } finally {
            NetNs.delete(name);
        }
    }

    /** The kernel's share, measured the same way: a veth pair into a pod namespace and an ifb, made and deleted. */
    private void floor(NetNs node, int runs) throws Exception {
        for (int i = 0; i < runs; i++) {
            String name = tag + "-f" + i;
            Path podPath = NetNs.create(name);
            try (NetNs pod = NetNs.open(podPath)) {
                node.run(() -> {
                    try (Rtnl host = Rtnl.openCurrent();
                            Rtnl inPod = Rtnl.open(pod)) {
                        String veth = "vethprof" + (name.hashCode() & 0xffff);
                        timed("floor: veth pair into the pod (create, both ends up)", () -> {
                            host.links().create(Veth.intoNamespace(veth, "eth0", pod, 1500));
                            host.links().setUp(veth);
                            inPod.links().setUp("eth0");
                        });
                        timed(
                                "floor: veth pair delete (host end)",
                                () -> host.links().delete(veth));
                        timed("floor: ifb create + up", () -> {
                            host.links().create(Ifb.of("ifbprof0"));
                            host.links().setUp("ifbprof0");
                        });
                        timed("floor: ifb delete", () -> host.links().delete("ifbprof0"));
                    }
                    return null;
                });
            } finally {
                NetNs.delete(name);
            }
        }
    }

    private void timed(String step, Runnable r) {
        KernelCalls.reset();
        long t0 = System.nanoTime();
        r.run();
        record(step, System.nanoTime() - t0, KernelCalls.snapshot());
    }

    private synchronized void record(String step, long n, Map<String, KernelCalls.Tally> tallies) {
        if (!measuring) {
            return;
        }
        nanos.computeIfAbsent(step, k -> new ArrayList<>()).add(n);
        if (tallies != null) {
            calls.computeIfAbsent(step, k -> new ArrayList<>()).add(tallies);
        }
    }

    /** Runs our plugins in-process through {@link PluginMain} with our plugins for delegation, as the daemon does. */
    private final class InProcessExec implements PluginExec {
        @Override
        public byte[] exec(Path plugin, byte[] stdin, Map<String, String> cniEnv) {
            String type = plugin.getFileName().toString();
            Map<String, String> env = new HashMap<>(cniEnv);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            KernelCalls.reset();
            long t0 = System.nanoTime();
            int exit = PluginMain.run(
                    Plugins.byType(type),
                    env,
                    new ByteArrayInputStream(stdin),
                    out,
                    new PrintStream(err, true, StandardCharsets.UTF_8),
                    Plugins.IN_PROCESS);
            long n = System.nanoTime() - t0;
            record(type + " " + cniEnv.get("CNI_COMMAND"), n, KernelCalls.snapshot());
            if (exit != 0) {
                throw new CniException(
                        ErrorCode.INTERNAL.code(),
                        type + " failed: " + out.toString(StandardCharsets.UTF_8)
                                + err.toString(StandardCharsets.UTF_8),
                        null,
                        null);
            }
            return out.toByteArray();
        }
    }

    /** Files in CNI_PATH that {@link Delegate} recognises as our launchers, so host-local runs in-process. */
    private static Path stubLaunchers(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String type : Plugins.TYPES) {
            Path p = dir.resolve(type);
            Files.writeString(
                    p, "#!/bin/sh\n" + Delegate.LAUNCHER_MARKER + " (profiling stub: runs in-process)\nexit 1\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    private String report(int runs) {
        StringBuilder b = new StringBuilder();
        b.append("Machine: ")
                .append(machine())
                .append("; ")
                .append(runs)
                .append(" pods after warm-up; nft via ")
                .append(Nft.usingLibrary() ? "libnftables" : "exec")
                .append(".\n\n");
        b.append(
                "| step | median ms (min-max) | in kernel calls, ms | ours, ms | netlink round trips | other kernel calls |\n");
        b.append("|---|---|---|---|---|---|\n");
        List<String> order = new ArrayList<>();
        order.addAll(List.of(SETUP));
        order.add("pod setup (lo + chain ADD)");
        order.addAll(List.of(TEARDOWN));
        order.add("pod teardown (chain DEL + lo DEL)");
        for (String k : nanos.keySet()) {
            if (!order.contains(k)) {
                order.add(k);
            }
        }
        for (String step : order) {
            List<Long> n = nanos.get(step);
            if (n == null) {
                continue;
            }
            Stats s = Stats.ofNanos(n);
            List<Map<String, KernelCalls.Tally>> c = calls.get(step);
            if (c == null) {
                b.append(String.format("| %s | %s | | | | |%n", step, s.text()));
                continue;
            }
            List<Long> kernel = new ArrayList<>();
            List<Long> ours = new ArrayList<>();
            Map<String, long[]> sum = new TreeMap<>();
            for (int i = 0; i < c.size(); i++) {
                long k = 0;
                for (Map.Entry<String, KernelCalls.Tally> e : c.get(i).entrySet()) {
                    // background calls ran beside the step (a detached deletion's kernel wait, a
                    // detached close), and a probe's total contains calls counted on their own
                    k += e.getKey().endsWith(KernelCalls.BACKGROUND)
                                    || e.getKey().endsWith("(total)")
                            ? 0
                            : e.getValue().nanos();
                    long[] a = sum.computeIfAbsent(e.getKey(), x -> new long[2]);
                    a[0] += e.getValue().calls();
                    a[1] += e.getValue().nanos();
                }
                kernel.add(k);
                ours.add(n.get(i) - k);
            }
            StringBuilder netlink = new StringBuilder();
            StringBuilder other = new StringBuilder();
            long trips = 0;
            for (String kind : new TreeSet<>(sum.keySet())) {
                long[] a = sum.get(kind);
                double count = (double) a[0] / c.size();
                double ms = a[1] / 1e6 / c.size();
                boolean nl = kind.startsWith("RTM_") || kind.startsWith("CTNETLINK") || kind.startsWith("netlink");
                String item = String.format(
                        "%s %s (%.2f ms)",
                        count == Math.rint(count) ? String.valueOf((long) count) : String.format("%.1f", count),
                        kind,
                        ms);
                if (nl) {
                    trips += a[0];
                    netlink.append(netlink.isEmpty() ? "" : ", ").append(item);
                } else {
                    other.append(other.isEmpty() ? "" : ", ").append(item);
                }
            }
            b.append(String.format(
                    "| %s | %s | %.2f | %.2f | %s: %s | %s |%n",
                    step,
                    s.text(),
                    Stats.ofNanos(kernel).median(),
                    Stats.ofNanos(ours).median(),
                    fmt((double) trips / c.size()),
                    netlink,
                    other));
        }
        return b.toString();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format("%.1f", d);
    }

    private static String machine() {
        try {
            return PodBenchmark.machine() + ", load average "
                    + Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String conflist(Path dataDir) {
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"benchnet\",\"plugins\":["
                + "{\"type\":\"bridge\",\"bridge\":\"cni0\",\"isGateway\":true,\"ipMasq\":true,"
                + "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + dataDir
                + "\",\"ranges\":[[{\"subnet\":\"10.244.0.0/16\"}]]}},"
                + "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}},"
                + "{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}]}";
    }
}
