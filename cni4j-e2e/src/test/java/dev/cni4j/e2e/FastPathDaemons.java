package dev.cni4j.e2e;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code dist/bin/cni4j-daemon} processes for tests, one per network namespace, each started
 * from a thread inside that namespace (so it serves launchers run there) with its own socket
 * and log under /tmp, and stopped (socket directory and log removed) by {@link #close()}.
 */
final class FastPathDaemons implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** One running daemon. */
    record Running(Process process, Path socket, Path log) {
        String logText() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        long served() {
            return logText()
                    .lines()
                    .filter(l -> l.contains(" served ") && !l.contains("self-check"))
                    .count();
        }
    }

    private final Map<String, Running> byNetns = new ConcurrentHashMap<>();
    private final List<Running> all = new ArrayList<>();

    /** The socket of the daemon for the calling thread's network namespace, started if needed. */
    Path socketForCurrentThread() {
        return forCurrentThread().socket();
    }

    synchronized Running forCurrentThread() {
        String netns = netnsOfCurrentThread();
        Running r = byNetns.get(netns);
        if (r == null) {
            r = start();
            byNetns.put(netns, r);
        }
        return r;
    }

    /** Starts a daemon in the calling thread's namespaces, with {@code options} on its command line. */
    synchronized Running start(String... options) {
        return start(newSocket(), Map.of(), options);
    }

    /** A socket path in a new 0700 directory of ours (removed by {@link #close()}), nobody serving it yet. */
    Path newSocket() {
        Path dir = Path.of("/tmp/cni4j-fp-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet());
        try {
            // The daemon accepts an existing socket directory only if it is root's and 0700.
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return dir.resolve("cni.sock");
    }

    /**
     * Starts a daemon in the calling thread's namespaces on {@code socket} (from {@link #newSocket()};
     * again after a daemon there died or was stopped), with {@code env} added to its environment and
     * {@code options} on its command line; returns once it serves.
     */
    synchronized Running start(Path socket, Map<String, String> env, String... options) {
        try {
            Path log = socket.resolveSibling("daemon-" + COUNTER.incrementAndGet() + ".log");
            List<String> command = new ArrayList<>(
                    List.of(Exec.DIST.resolve("bin/cni4j-daemon").toString(), "--socket", socket.toString()));
            command.addAll(List.of(options));
            ProcessBuilder pb =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            Running r = new Running(p, socket, log);
            all.add(r);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!r.logText().contains("cni4j-daemon: serving") || !accepts(socket)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("cni4j-daemon did not start: " + r.logText());
                }
                Thread.sleep(20);
            }
            return r;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stops one daemon (SIGTERM: it finishes requests in progress and removes its socket); its directory stays. */
    static void stop(Running r) {
        r.process().destroy();
        try {
            if (!r.process().waitFor(40, TimeUnit.SECONDS)) {
                r.process().destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Running> running() {
        return List.copyOf(all);
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String netnsOfCurrentThread() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Stops every daemon (SIGTERM: it finishes requests in progress) and removes its socket dir. */
    @Override
    public synchronized void close() {
        for (Running r : all) {
            stop(r);
            deleteTree(r.socket().getParent());
        }
        all.clear();
        byNetns.clear();
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
