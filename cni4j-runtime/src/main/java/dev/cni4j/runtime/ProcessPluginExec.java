package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
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
 * an installer DaemonSet). Plugin stderr always goes to the {@link StderrSink}.
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

    /** Five minutes per plugin call, stderr to {@code System.err}. */
    public ProcessPluginExec() {
        this(Duration.ofMinutes(5), SYSTEM_ERR);
    }

    public ProcessPluginExec(Duration timeout, StderrSink stderrSink) {
        this(timeout, stderrSink, Duration.ofSeconds(1));
    }

    /** @param busyRetryDelay the pause between "text file busy" retries (libcni: 1 s) */
    public ProcessPluginExec(Duration timeout, StderrSink stderrSink, Duration busyRetryDelay) {
        this.timeout = timeout;
        this.stderrSink = stderrSink;
        this.busyRetryDelay = busyRetryDelay;
    }

    @Override
    public byte[] exec(Path plugin, byte[] stdin, Map<String, String> cniEnv) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process process = start(plugin, cniEnv);
        CompletableFuture<byte[]> stdout = readAll(process.getInputStream());
        CompletableFuture<byte[]> stderr = readAll(process.getErrorStream());
        writeStdin(process.getOutputStream(), stdin);
        int exit;
        try {
            if (!process.waitFor(remaining(deadline), TimeUnit.NANOSECONDS)) {
                kill(process);
                throw new CniException(
                        ErrorCode.INTERNAL, "plugin " + plugin + " timed out after " + timeout.toMillis() + " ms");
            }
            exit = process.exitValue();
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new CniException(ErrorCode.INTERNAL.code(), "interrupted while running plugin " + plugin, null, e);
        }
        byte[] out = collect(stdout, deadline, plugin);
        byte[] err = collect(stderr, deadline, plugin);
        if (err.length > 0) {
            stderrSink.accept(plugin, err);
        }
        if (exit != 0) {
            throw PluginErrors.fromFailedRun(exit, out, err);
        }
        return out;
    }

    private Process start(Path plugin, Map<String, String> cniEnv) {
        ProcessBuilder pb = new ProcessBuilder(plugin.toString());
        pb.environment().putAll(cniEnv);
        for (int attempt = 0; ; attempt++) {
            try {
                return pb.start();
            } catch (IOException e) {
                if (!isTextFileBusy(e) || attempt >= TEXT_FILE_BUSY_RETRIES) {
                    throw new CniException(
                            ErrorCode.INTERNAL.code(),
                            "failed to exec plugin " + plugin + ": " + e.getMessage(),
                            null,
                            e);
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

    // Readers and the writer run on their own threads so a plugin that writes a lot before
    // reading stdin (or the reverse) cannot deadlock on a full pipe.
    private static CompletableFuture<byte[]> readAll(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(in.readAllBytes());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
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

    private static byte[] collect(CompletableFuture<byte[]> f, long deadline, Path plugin) {
        try {
            // A plugin's background child may keep the pipe open after the plugin exits: bounded wait.
            return f.get(Math.max(remaining(deadline), TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(ErrorCode.INTERNAL.code(), "interrupted reading output of " + plugin, null, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new CniException(
                    ErrorCode.IO_FAILURE.code(), "cannot read output of plugin " + plugin + ": " + e, null, e);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }
}
