package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.e2e.Exec.Outcome;
import dev.cni4j.testing.TestNetworks;
import java.io.File;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path as {@code cni4j install} sets it up for systemd, in a throwaway node namespace:
 * {@code systemd-socket-activate --inetd} binds a private socket and, on the first connection,
 * passes it as standard input (as the unit's {@code StandardInput=socket} does) to
 * {@link Supervisor}, which plays systemd's part for an {@code Accept=no} service: it runs the
 * unit's exact {@code ExecStart}, and after that exits, runs it again when the next connection
 * waits. The calls go through the installed launchers with {@code CNI4J_SOCKET} on that socket.
 */
class SocketActivationExecTest {
    static final String LO = "{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}";
    static final int IDLE_EXIT = 5; // long enough that the daemon never stops between two of the warm calls

    @TempDir
    Path tmp;

    Path dir;
    Process activator;

    @BeforeEach
    void needs() {
        TestNetworks.assumePrivileged();
        Assumptions.assumeTrue(
                onPath("systemd-socket-activate"), "needs systemd-socket-activate (Debian package systemd)");
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (activator != null) {
            activator.descendants().forEach(ProcessHandle::destroyForcibly);
            activator.destroyForcibly();
            activator.waitFor(30, TimeUnit.SECONDS);
        }
        if (dir != null) {
            FastPathDaemons.deleteTree(dir);
        }
    }

    @Test
    void firstCallStartsTheDaemonLaterOnesAreWarmItExitsWhenIdleAndTheNextCallStartsItAgain() throws Exception {
        Path bin = tmp.resolve("opt/cni/bin");
        Path systemd = tmp.resolve("etc/systemd/system");
        Outcome install = cli(
                "install",
                "--bin-dir",
                bin.toString(),
                "--conf-dir",
                tmp.resolve("etc/cni/net.d").toString(),
                "--systemd-dir",
                systemd.toString(),
                "--subnet",
                "10.244.9.0/24",
                "--daemon-idle-exit",
                String.valueOf(IDLE_EXIT));
        assertEquals(0, install.exit(), install.stderr());
        List<String> service = Files.readAllLines(systemd.resolve("cni4j-daemon.service"));
        assertTrue(service.contains("StandardInput=socket"), "what --inetd stands in for: " + service);
        List<String> execStart = service.stream()
                .filter(l -> l.startsWith("ExecStart="))
                .findFirst()
                .map(l -> Arrays.asList(l.substring("ExecStart=".length()).split(" ")))
                .orElseThrow();
        assertEquals(bin.resolve("cni4j-daemon").toString(), execStart.get(0));

        dir = Path.of("/tmp/cni4j-sa-" + ProcessHandle.current().pid());
        Files.createDirectories(
                dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------")); // as DirectoryMode=0700
        Path socket = dir.resolve("cni.sock");
        Path log = dir.resolve("daemon.log");
        try (TestNetworks net = TestNetworks.create()) {
            List<String> command = new ArrayList<>(List.of(
                    "systemd-socket-activate",
                    "--inetd",
                    "-l",
                    socket.toString(),
                    "--",
                    ProcessHandle.current().info().command().orElseThrow(),
                    "-cp",
                    testClasses(),
                    Supervisor.class.getName(),
                    log.toString()));
            command.addAll(execStart);
            activator = net.runInNode(() -> new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("activator.log").toFile())
                    .start());
            await("the socket", () -> Files.exists(socket));
            assertEquals(0, starts(log), "nothing runs before the first call");

            Path pod = net.newPod();
            // The first call waits for the JVM to start; if that takes over 5 s, the launcher runs it standalone.
            Outcome first = call(net, bin, socket, "ADD", "first", pod, false);
            assertEquals(0, first.exit(), first.stderr());
            await("the daemon", () -> starts(log) == 1);
            assertTrue(served(log, "first") <= 1, text(log));
            for (int i = 0; i < 5; i++) {
                Outcome warm = call(net, bin, socket, "ADD", "warm" + i, pod, true);
                assertEquals(0, warm.exit(), warm.stderr() + "\n" + text(log));
                assertEquals(1, served(log, "ADD warm" + i), "the later calls are the daemon's: " + text(log));
            }

            await(
                    "the idle exit",
                    () -> text(log).contains("no connection for " + IDLE_EXIT + " s, exiting")
                            && activator.children().findAny().isEmpty());
            assertTrue(activator.isAlive() && Files.exists(socket), "the socket stays, as systemd keeps it");

            Outcome again = call(net, bin, socket, "ADD", "again", pod, false);
            assertEquals(0, again.exit(), again.stderr());
            await("the daemon's second start", () -> starts(log) == 2);
            Outcome del = call(net, bin, socket, "DEL", "first", pod, true);
            assertEquals(0, del.exit(), del.stderr() + "\n" + text(log));
            assertEquals(1, served(log, "DEL first"), text(log));
            assertTrue(served(log, "ADD again") <= 1, "never twice: " + text(log));
        }
    }

    /**
     * systemd's part for a socket-activated {@code Accept=no} service: the listening socket is
     * its standard input; while no service runs and a connection waits, it runs the command with
     * that socket as the command's standard input (output appended to a log), and waits for it.
     * Args: the log, then the command.
     */
    public static final class Supervisor {
        public static void main(String[] args) throws Exception {
            ServerSocketChannel listening = (ServerSocketChannel) System.inheritedChannel();
            File log = new File(args[0]);
            List<String> command = List.of(args).subList(1, args.length);
            while (true) {
                try (Selector selector = Selector.open()) {
                    listening.configureBlocking(false);
                    listening.register(selector, SelectionKey.OP_ACCEPT);
                    selector.select(); // a connection waits; it is not accepted here
                }
                listening.configureBlocking(true); // as systemd hands it over
                Process service = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.INHERIT)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                        .start();
                Runtime.getRuntime().addShutdownHook(new Thread(service::destroyForcibly));
                service.waitFor();
            }
        }
    }

    private static Outcome call(
            TestNetworks net, Path bin, Path socket, String command, String id, Path pod, boolean strict) {
        Map<String, String> env = new java.util.HashMap<>(Exec.env(command, id, pod.toString(), "lo"));
        env.put("CNI_PATH", bin.toString());
        env.put("CNI4J_SOCKET", socket.toString());
        env.put("CNI4J_FALLBACK", strict ? "never" : "");
        return net.runInNode(() -> Exec.runFile(bin.resolve("loopback"), env, LO));
    }

    private static Outcome cli(String... args) {
        List<String> command =
                new ArrayList<>(List.of(Exec.DIST.resolve("bin/cni4j").toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Outcome(p.waitFor(), out, err);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static long starts(Path log) {
        return text(log)
                .lines()
                .filter(l -> l.startsWith("cni4j-daemon: serving ") && l.contains("socket-activated"))
                .count();
    }

    private static long served(Path log, String what) {
        return text(log)
                .lines()
                .filter(l -> l.startsWith("cni4j-daemon: served loopback ") && l.contains(" " + what + " "))
                .count();
    }

    private static String text(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 90 s for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static String testClasses() {
        try {
            return Path.of(Supervisor.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(
                        System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
    }
}
