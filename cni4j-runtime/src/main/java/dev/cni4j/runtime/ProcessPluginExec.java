package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs plugins as child processes, like libcni's RawExec: the runtime's environment plus the
 * {@code CNI_*} variables, the request on stdin, and stdout read as the answer. Adds what a
 * long-running Java runtime needs: a timeout (the process and its children are killed), and
 * retries when exec fails with "text file busy" (a plugin binary still being written, e.g. by
 * an installer DaemonSet). Plugin stderr always goes to the {@link StderrSink}. Children start
 * through {@link PosixSpawn} (one exec, as Go's os/exec), or through {@link ProcessBuilder} where
 * that is not available (no native access, not x86_64 Linux, {@code -Dcni4j.runtime.spawn=jdk}).
 *
 * <p>Stateless apart from its settings, so one instance serves concurrent chains.
 */
public final class ProcessPluginExec implements PluginExec {
    /** Receives what a plugin printed on stderr (its logs). */
    @FunctionalInterface
    public interface StderrSink {
        void accept(Path plugin, byte[] stderr);
    }

    /** Copies plugin stderr to this JVM's stderr, as libcni does. */
    public static final StderrSink SYSTEM_ERR = (plugin, bytes) -> System.err.write(bytes, 0, bytes.length);

    /** libcni retries a busy executable 5 times. */
    static final int TEXT_FILE_BUSY_RETRIES = 5;

    private final Duration timeout;
    private final StderrSink stderrSink;
    private final Duration busyRetryDelay;
    private final boolean posixSpawn;

    /** Five minutes per plugin call, stderr to {@code System.err}. */
    public ProcessPluginExec() {
        this(Duration.ofMinutes(5), SYSTEM_ERR);
    }

    public ProcessPluginExec(Duration timeout, StderrSink stderrSink) {
        this(timeout, stderrSink, Duration.ofSeconds(1));
    }

    /** @param busyRetryDelay the pause between "text file busy" retries (libcni: 1 s) */
    public ProcessPluginExec(Duration timeout, StderrSink stderrSink, Duration busyRetryDelay) {
        this(timeout, stderrSink, busyRetryDelay, PosixSpawn.available());
    }

    private ProcessPluginExec(Duration timeout, StderrSink stderrSink, Duration busyRetryDelay, boolean posixSpawn) {
        this.timeout = timeout;
        this.stderrSink = stderrSink;
        this.busyRetryDelay = busyRetryDelay;
        this.posixSpawn = posixSpawn;
    }

    /** The same settings, every child started through {@link ProcessBuilder} (tests of the fallback). */
    ProcessPluginExec throughProcessBuilder() {
        return new ProcessPluginExec(timeout, stderrSink, busyRetryDelay, false);
    }

    @Override
    public byte[] exec(Path plugin, byte[] stdin, Map<String, String> cniEnv) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PosixSpawn.Outcome run = posixSpawn
                ? runSpawned(plugin, stdin, cniEnv, deadline)
                : runWithProcessBuilder(plugin, stdin, cniEnv, deadline);
        if (run.stderr().length > 0) {
            stderrSink.accept(plugin, run.stderr());
        }
        if (run.exit() != 0) {
            throw PluginErrors.fromFailedRun(run.exit(), run.stdout(), run.stderr());
        }
        return run.stdout();
    }

    /** What the JDK cannot do without a second exec per child: see {@link PosixSpawn}. */
    private PosixSpawn.Outcome runSpawned(Path plugin, byte[] stdin, Map<String, String> cniEnv, long deadline) {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.putAll(cniEnv);
        List<String> envp = new ArrayList<>(env.size());
        env.forEach((k, v) -> envp.add(k + "=" + v));
        return retryingTextFileBusy(plugin, () -> {
            try {
                return PosixSpawn.run(plugin.toString(), envp, stdin, deadline);
            } catch (TimeoutException e) {
                throw timedOut(plugin);
            }
        });
    }

    private PosixSpawn.Outcome runWithProcessBuilder(
            Path plugin, byte[] stdin, Map<String, String> cniEnv, long deadline) {
        Process process = start(plugin, cniEnv);
        Output stdout = readAll(process.getInputStream());
        Output stderr = readAll(process.getErrorStream());
        writeStdin(process.getOutputStream(), stdin);
        int exit;
        try {
            if (!process.waitFor(remaining(deadline), TimeUnit.NANOSECONDS)) {
                kill(process);
                throw timedOut(plugin);
            }
            exit = process.exitValue();
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new CniException(ErrorCode.INTERNAL.code(), "interrupted while running plugin " + plugin, null, e);
        }
        return new PosixSpawn.Outcome(exit, stdout.collect(plugin), stderr.collect(plugin));
    }

    private CniException timedOut(Path plugin) {
        return new CniException(
                ErrorCode.INTERNAL, "plugin " + plugin + " timed out after " + timeout.toMillis() + " ms");
    }

    private static CniException cannotExec(Path plugin, IOException e) {
        return new CniException(
                ErrorCode.INTERNAL.code(), "failed to exec plugin " + plugin + ": " + e.getMessage(), null, e);
    }

    private Process start(Path plugin, Map<String, String> cniEnv) {
        ProcessBuilder pb = new ProcessBuilder(plugin.toString());
        pb.environment().putAll(cniEnv);
        return retryingTextFileBusy(plugin, pb::start);
    }

    /** A start of the plugin's process that may fail to exec. */
    @FunctionalInterface
    private interface Start<T> {
        T start() throws IOException;
    }

    /**
     * {@code start}, again after {@code busyRetryDelay} while exec fails with "text file busy" (a
     * plugin binary still being written), up to {@link #TEXT_FILE_BUSY_RETRIES} times.
     */
    private <T> T retryingTextFileBusy(Path plugin, Start<T> start) {
        for (int attempt = 0; ; attempt++) {
            try {
                return start.start();
            } catch (IOException e) {
                if (!isTextFileBusy(e) || attempt >= TEXT_FILE_BUSY_RETRIES) {
                    throw cannotExec(plugin, e);
                }
                sleep(busyRetryDelay);
            }
        }
    }

    private static boolean isTextFileBusy(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Text file busy") || m.contains("text file busy") || m.contains("error=26"));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(ErrorCode.INTERNAL.code(), "interrupted while waiting to retry exec", null, e);
        }
    }

    /** What a reader thread has read of one pipe so far, and whether it reached the end. */
    private record Output(ByteArrayOutputStream bytes, CompletableFuture<Void> end) {
        /**
         * The pipe's bytes once the process exited. A plugin's background child may keep the pipe
         * open: what the plugin wrote is in by then, so the wait is bounded (as PosixSpawn's).
         */
        byte[] collect(Path plugin) {
            try {
                end.get(PosixSpawn.DRAIN_AFTER_EXIT_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CniException(ErrorCode.INTERNAL.code(), "interrupted reading output of " + plugin, null, e);
            } catch (ExecutionException e) {
                throw new CniException(
                        ErrorCode.IO_FAILURE.code(), "cannot read output of plugin " + plugin + ": " + e, null, e);
            } catch (TimeoutException e) {
                // a descendant holds the pipe: what it writes later is not the plugin's answer
            }
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }
    }

    // Readers and the writer run on their own threads so a plugin that writes a lot before
    // reading stdin (or the reverse) cannot deadlock on a full pipe.
    private static Output readAll(InputStream in) {
        Output out = new Output(new ByteArrayOutputStream(), new CompletableFuture<>());
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[16384];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (out.bytes()) {
                        out.bytes().write(buf, 0, n);
                    }
                }
                out.end().complete(null);
            } catch (IOException e) {
                out.end().completeExceptionally(e);
            }
        });
        return out;
    }

    private static void writeStdin(OutputStream out, byte[] stdin) {
        Thread.ofVirtual().start(() -> {
            try (out) {
                out.write(stdin);
            } catch (IOException ignored) {
                // The plugin exited or closed stdin without reading it all; its exit status says the rest.
            }
        });
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }
}
