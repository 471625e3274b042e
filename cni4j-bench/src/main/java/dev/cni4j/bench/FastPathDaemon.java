package dev.cni4j.bench;

import dev.cni4j.linux.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Starts and stops the node daemon (dist/bin/cni4j-daemon) inside the benchmark's node namespace. */
final class FastPathDaemon {
    private FastPathDaemon() {}

    /** The launchers find the daemon through CNI4J_SOCKET, which bench/pods.sh sets for this JVM. */
    static Process start(NetNs node, Path bin) throws Exception {
        String socket = System.getenv("CNI4J_SOCKET");
        if (socket == null || socket.isEmpty()) {
            throw new IllegalStateException("set CNI4J_SOCKET to measure the fast path");
        }
        Process p =
                node.run(() -> new ProcessBuilder(bin.resolve("cni4j-daemon").toString(), "--socket", socket)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start());
        for (int i = 0; i < 300 && !Files.exists(Path.of(socket)); i++) {
            Thread.sleep(50);
        }
        if (!Files.exists(Path.of(socket))) {
            p.destroyForcibly();
            throw new IllegalStateException("the daemon did not create " + socket);
        }
        return p;
    }

    static void stop(Process daemon) throws InterruptedException {
        daemon.destroy(); // SIGTERM: the daemon removes its socket
        if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
        }
    }

    /** Resident memory of the daemon's JVM in MiB (the launcher script execs java, same pid). */
    static double rssMiB(Process daemon) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + daemon.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
