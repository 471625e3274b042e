package dev.cni4j.cli;

import dev.cni4j.node.NodeLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The systemd units {@code cni4j install} writes for the fast path on a node without the agent:
 * {@value #SOCKET_UNIT} listens on the launchers' default socket (root's, 0600, in a 0700
 * directory) and starts {@value #SERVICE_UNIT} on the first call, which gets the listening socket
 * as its standard input ({@code StandardInput=socket}) and exits after an idle period; the next
 * call starts it again. While it starts, the call waits in the socket's queue (the launchers wait
 * 5 s for the daemon to take it, then run the standalone plugin).
 */
final class SystemdUnits {
    static final Path DEFAULT_DIR = Path.of("/etc/systemd/system");
    static final String SOCKET_UNIT = "cni4j-daemon.socket";
    static final String SERVICE_UNIT = "cni4j-daemon.service";
    static final int DEFAULT_IDLE_EXIT = 60;

    private SystemdUnits() {}

    /** The two unit files, keyed by their place in {@code dir}. */
    static Map<Path, byte[]> files(Path dir, Path daemonLauncher, int idleExitSeconds) {
        String header = "# Written by cni4j install; cni4j uninstall removes it.\n";
        String socket = header + """
                [Unit]
                Description=cni4j CNI fast path socket (starts cni4j-daemon.service on the first plugin call)

                [Socket]
                ListenStream=%s
                Accept=no
                SocketUser=root
                SocketGroup=root
                SocketMode=0600
                DirectoryMode=0700

                [Install]
                WantedBy=sockets.target
                """.formatted(NodeLayout.SOCKET);
        String service =
                header + """
                [Unit]
                Description=cni4j CNI fast path daemon (socket-activated, exits after %d s without a call)
                Requires=%s
                After=%s

                [Service]
                Type=simple
                ExecStart=%s --idle-exit %d
                StandardInput=socket
                StandardOutput=journal
                StandardError=journal
                User=root
                # Requests in progress get up to 30 s to finish when it stops.
                TimeoutStopSec=40
                """.formatted(idleExitSeconds, SOCKET_UNIT, SOCKET_UNIT, daemonLauncher, idleExitSeconds);
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(dir.resolve(SERVICE_UNIT), service.getBytes(StandardCharsets.UTF_8));
        files.put(dir.resolve(SOCKET_UNIT), socket.getBytes(StandardCharsets.UTF_8));
        return files;
    }

    static boolean isUnit(Path p) {
        String n = p.getFileName().toString();
        return n.equals(SOCKET_UNIT) || n.equals(SERVICE_UNIT);
    }

    /**
     * The node's systemd as install sees it: whether it runs (its own test, sd_booted: the
     * directory {@code running} exists), which unit directories it reads, and systemctl to drive it.
     */
    record Systemd(Path running, List<Path> unitDirs, String systemctl) {
        static final Systemd NODE = new Systemd(
                Path.of("/run/systemd/system"),
                List.of(
                        DEFAULT_DIR,
                        Path.of("/run/systemd/system"),
                        Path.of("/usr/lib/systemd/system"),
                        Path.of("/lib/systemd/system")),
                "systemctl");

        /**
         * Whether systemd runs here and reads units from {@code dir}: then install enables them, uninstall disables
         * them.
         */
        boolean manages(Path dir) {
            return Files.isDirectory(running) && unitDirs.contains(dir);
        }

        /** After install: reload and start listening. */
        void enable(PrintStream err) {
            run(err, "daemon-reload");
            run(err, "enable", "--now", SOCKET_UNIT);
        }

        /** Before uninstall: stop the daemon and the socket. */
        void disable(PrintStream err) {
            run(err, "disable", "--now", SOCKET_UNIT, SERVICE_UNIT);
        }

        /** After uninstall removed the files. */
        void reload(PrintStream err) {
            run(err, "daemon-reload");
        }

        /** Runs systemctl; a failure is reported, not fatal (the plugins work without the fast path). */
        private void run(PrintStream err, String... args) {
            List<String> cmd = new ArrayList<>(List.of(systemctl));
            cmd.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    err.println("cni4j: " + String.join(" ", cmd) + " failed: " + output.replace('\n', ' '));
                }
            } catch (IOException e) {
                err.println("cni4j: cannot run " + String.join(" ", cmd) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The commands to run by hand when systemd does not manage the dir. */
    static String enableHint(Path dir) {
        return "the fast path's systemd units are in " + dir + "; where systemd reads them, enable them with: "
                + "systemctl daemon-reload && systemctl enable --now " + SOCKET_UNIT;
    }
}
