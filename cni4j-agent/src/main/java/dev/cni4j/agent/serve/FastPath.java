package dev.cni4j.agent.serve;

import dev.cni4j.daemon.Daemon;
import dev.cni4j.daemon.RequestObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The plugins' fast path, in the agent's process: the {@code dist/bin} launchers on this node
 * send their CNI calls to its socket and the agent runs them with warm code, counting them in
 * {@code /metrics}. Started on its own thread (warm-up first, then the socket), so routes and
 * the conflist never wait for it; until it serves, and whenever it declines, the launchers run
 * the plugins standalone. A socket that cannot be bound is logged and shown as
 * {@code cni4j_fastpath_serving 0}, never fatal.
 */
public final class FastPath implements AutoCloseable {
    private final JsonLog log;
    private final PluginCallMetrics metrics;
    private Daemon daemon;
    private boolean closed;

    private final RequestObserver observer;

    private FastPath(JsonLog log, PluginCallMetrics metrics, RequestObserver observer) {
        this.log = log;
        this.metrics = metrics;
        this.observer = observer;
    }

    /**
     * Where and how the fast path serves: the agent's {@code fastPathSocket}, {@code netns} (null: the
     * agent's own) and {@code fastPathOtherMountNamespaces} settings.
     */
    public record Settings(Path fastPathSocket, Path netns, boolean fastPathOtherMountNamespaces) {}

    public static FastPath start(Settings config, JsonLog log, Metrics metrics) {
        return start(config, log, metrics, metrics.pluginCalls);
    }

    /** {@code observer}: told of every call (a hook that passes each on to {@link Metrics#pluginCallObserver}). */
    public static FastPath start(Settings config, JsonLog log, Metrics metrics, RequestObserver observer) {
        FastPath f = new FastPath(log, metrics.pluginCalls, observer);
        Thread.ofPlatform().name("cni4j-fastpath-start").daemon().start(() -> f.run(config));
        return f;
    }

    private void run(Settings config) {
        try {
            long t0 = System.nanoTime();
            prepareSocketDirectory(config.fastPathSocket());
            Daemon.warmUp();
            Daemon d = Daemon.start(new Daemon.Options(
                    config.fastPathSocket(),
                    64,
                    new PrintStream(new LineLog(log), true, StandardCharsets.UTF_8),
                    config.netns(),
                    config.fastPathOtherMountNamespaces(),
                    observer));
            synchronized (this) {
                if (closed) {
                    d.close();
                    return;
                }
                daemon = d;
                metrics.serving = true;
            }
            log.info(
                    "fast path serving",
                    "socket",
                    config.fastPathSocket(),
                    "otherMountNamespaces",
                    config.fastPathOtherMountNamespaces(),
                    "readyMillis",
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception | Error e) {
            log.error(
                    "fast path not started; the plugins run standalone", "socket", config.fastPathSocket(), "error", e);
        }
    }

    /**
     * Makes the socket's directory root's and 0700, as the daemon requires (a hostPath volume
     * is created 0755). Only a directory of ours, named cni4j*: never /run or /tmp; another
     * directory must already be root's and 0700, or the daemon refuses it.
     */
    static Path prepareSocketDirectory(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (dir == null || !dir.getFileName().toString().startsWith("cni4j")) {
            return dir;
        }
        Files.createDirectories(dir);
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** Stops accepting and waits for calls in progress; later calls run standalone. */
    @Override
    public void close() {
        Daemon d;
        synchronized (this) {
            closed = true;
            d = daemon;
            metrics.serving = false;
        }
        if (d != null) {
            d.close();
        }
    }

    /** The daemon's one-line reports as structured log records. */
    private static final class LineLog extends OutputStream {
        private final JsonLog log;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineLog(JsonLog log) {
            this.log = log;
        }

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            log.info("fast path", "detail", text.startsWith("cni4j-daemon: ") ? text.substring(14) : text);
        }
    }
}
