package dev.cni4j.bench;

import dev.cni4j.runtime.PluginExec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wraps a {@link PluginExec} and records the wall time of every exec, per plugin and command, and
 * the CPU time of the exec'd process and what it waited for (this JVM's children's user + system
 * time, from /proc/self/stat, in clock ticks of 10 ms: only meaningful as a mean over sequential
 * execs, and only while no other exec runs beside).
 */
final class TimingExec implements PluginExec {
    private static final Path STAT = Path.of("/proc/self/stat");
    private final PluginExec delegate;
    private final Map<String, List<Long>> nanos = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> cpuMillis = new ConcurrentHashMap<>();

    TimingExec(PluginExec delegate) {
        this.delegate = delegate;
    }

    @Override
    public byte[] exec(Path plugin, byte[] stdin, Map<String, String> cniEnv) {
        long c0 = childrenCpuMillis();
        long t0 = System.nanoTime();
        try {
            return delegate.exec(plugin, stdin, cniEnv);
        } finally {
            long t1 = System.nanoTime();
            String key = plugin.getFileName() + " " + cniEnv.get("CNI_COMMAND");
            nanos.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(t1 - t0);
            cpuMillis.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(childrenCpuMillis() - c0);
        }
    }

    Map<String, List<Long>> samples() {
        return nanos;
    }

    /** CPU ms per exec (10 ms resolution each), per plugin and command. */
    Map<String, List<Long>> cpuSamples() {
        return cpuMillis;
    }

    void reset() {
        nanos.clear();
        cpuMillis.clear();
    }

    /** cutime + cstime of this process (fields 16 and 17 of /proc/self/stat), in ms at 100 ticks/s. */
    private static long childrenCpuMillis() {
        try {
            String stat = Files.readString(STAT);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
