package dev.cni4j.cli;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What {@code doctor} reads from the kernel, behind an interface so its checks run against a
 * fake in tests. Read only: nothing here changes the node.
 */
interface NodeProbe {
    /** A sysctl such as {@code net/ipv4/ip_forward}, trimmed; empty when it does not exist. */
    Optional<String> sysctl(String key);

    /** Whether a kernel module is loaded (or built in). */
    boolean moduleLoaded(String name);

    /** The node namespace's links. */
    List<Link> links();

    /**
     * What {@code command --version} prints (stdout and stderr) when {@code command} (e.g.
     * {@code containerd}, {@code crio}) is on the PATH; empty when it is not, or does not answer
     * within a few seconds.
     */
    Optional<String> versionOutput(String command);

    /**
     * The kernel, seen from {@code nodeNetns} (the current namespace when null). Network sysctls
     * are per namespace and /proc/sys/net shows the namespace of the reading thread, so they are
     * read from a thread inside it.
     */
    static NodeProbe kernel(Path nodeNetns) {
        return new NodeProbe() {
            @Override
            public Optional<String> sysctl(String key) {
                Path file = Path.of("/proc/sys").resolve(key);
                NetNs.Work<Optional<String>, IOException> read = () -> {
                    try {
                        return Optional.of(Files.readString(file).trim());
                    } catch (NoSuchFileException e) {
                        return Optional.empty();
                    }
                };
                try {
                    if (nodeNetns == null) {
                        return read.call();
                    }
                    try (NetNs ns = NetNs.open(nodeNetns)) {
                        return ns.run(read);
                    }
                } catch (IOException e) {
                    throw CliException.failed("cannot read " + file + ": " + e.getMessage());
                }
            }

            @Override
            public boolean moduleLoaded(String name) {
                return Files.isDirectory(Path.of("/sys/module", name));
            }

            @Override
            public Optional<String> versionOutput(String command) {
                String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin")
                        + ":/usr/local/bin:/usr/bin";
                for (String dir : path.split(":")) {
                    Path exe = dir.isEmpty() ? null : Path.of(dir, command);
                    if (exe == null || !Files.isExecutable(exe)) {
                        continue;
                    }
                    try {
                        Process p = new ProcessBuilder(exe.toString(), "--version")
                                .redirectErrorStream(true)
                                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                                .start();
                        if (!p.waitFor(5, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                            return Optional.empty();
                        }
                        return Optional.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        return Optional.empty();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Optional.empty();
                    }
                }
                return Optional.empty();
            }

            @Override
            public List<Link> links() {
                if (nodeNetns == null) {
                    try (Rtnl rtnl = Rtnl.openCurrent()) {
                        return rtnl.links().list();
                    }
                }
                try (NetNs ns = NetNs.open(nodeNetns);
                        Rtnl rtnl = Rtnl.open(ns)) {
                    return rtnl.links().list();
                }
            }
        };
    }
}
