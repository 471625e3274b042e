package dev.cni4j.bench;

import dev.cni4j.runtime.PluginExec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Wraps a {@link PluginExec} and records the wall time of every exec, per plugin and command. */
final class TimingExec implements PluginExec {
    private final PluginExec delegate;
    private final Map<String, List<Long>> nanos = new ConcurrentHashMap<>();

    TimingExec(PluginExec delegate) {
        this.delegate = delegate;
    }

    @Override
    public byte[] exec(Path plugin, byte[] stdin, Map<String, String> cniEnv) {
        long t0 = System.nanoTime();
        try {
            return delegate.exec(plugin, stdin, cniEnv);
        } finally {
            String key = plugin.getFileName() + " " + cniEnv.get("CNI_COMMAND");
            nanos.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime() - t0);
        }
    }

    Map<String, List<Long>> samples() {
        return nanos;
    }

    void reset() {
        nanos.clear();
    }
}
