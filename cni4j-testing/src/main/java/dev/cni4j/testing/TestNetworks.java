package dev.cni4j.testing;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Rtnl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * Throwaway network namespaces for privileged tests: one "node" namespace playing the host, and
 * any number of pod namespaces. Nothing here touches the machine's own namespace.
 *
 * <pre>{@code
 * @BeforeAll static void root() { TestNetworks.assumePrivileged(); }
 *
 * try (TestNetworks net = TestNetworks.create()) {
 *     Path pod = net.newPod();
 *     net.runInNode(() -> plugin.add(pod));          // in-process, on a thread inside the node
 *     String out = net.exec(pod, "ip", "addr");      // child process inside the pod namespace
 * }
 * }</pre>
 *
 * Namespaces are named {@code cni4jt-<pid>-<n>} and live under /run/netns. They are deleted by
 * {@link #close()}, by a JVM shutdown hook, and — if this JVM died — by the sweep the next run
 * does at start, which only removes names whose creating process no longer exists, so tests
 * running concurrently in other JVMs are left alone.
 */
public final class TestNetworks implements AutoCloseable {
    public static final String PREFIX = "cni4jt-";

    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile String privilegeProblem; // null = not probed yet, "" = fine
    private static volatile boolean hookInstalled;

    private final List<String> names = new ArrayList<>();
    private final Path node;

    private TestNetworks() {
        this.node = newNamespace();
    }

    /**
     * Skips (JUnit assumption) the calling test unless this process can create network
     * namespaces: root, /run writable, Linux on x86_64, native access enabled.
     */
    public static void assumePrivileged() {
        String problem = probe();
        Assumptions.assumeTrue(problem.isEmpty(), () -> "privileged test skipped: " + problem);
    }

    /** Whether {@link #assumePrivileged()} would let tests run. */
    public static boolean isPrivileged() {
        return probe().isEmpty();
    }

    private static synchronized String probe() {
        if (privilegeProblem != null) {
            return privilegeProblem;
        }
        String problem;
        try {
            sweepLeftovers();
            String name = PREFIX + PID + "-probe";
            NetNs.delete(name);
            NetNs.create(name);
            NetNs.delete(name);
            problem = "";
        } catch (Throwable t) {
            problem = "cannot create network namespaces: " + t;
        }
        privilegeProblem = problem;
        return problem;
    }

    /** Creates the node namespace (with lo up), after sweeping leftovers of dead runs. */
    public static TestNetworks create() {
        assumePrivileged();
        TestNetworks t = new TestNetworks();
        try (NetNs ns = NetNs.open(t.node);
                Rtnl rtnl = Rtnl.open(ns)) {
            rtnl.links().setUp("lo");
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** The node ("host") namespace path. */
    public Path node() {
        return node;
    }

    /** Opens the node namespace (caller closes). */
    public NetNs openNode() {
        return NetNs.open(node);
    }

    /** A new empty pod namespace (lo down, as a runtime hands it to CNI). */
    public Path newPod() {
        return newNamespace();
    }

    /** The /run/netns name of a namespace made here, for {@code ip netns exec NAME}. */
    public static String nameOf(Path ns) {
        return ns.getFileName().toString();
    }

    /** Runs {@code work} on a thread inside the node namespace; child processes it starts are there too. */
    public <T, X extends Exception> T runInNode(NetNs.Work<T, X> work) throws X {
        return runIn(node, work);
    }

    /** Runs {@code work} on a thread inside namespace {@code ns}. */
    public <T, X extends Exception> T runIn(Path ns, NetNs.Work<T, X> work) throws X {
        try (NetNs n = NetNs.open(ns)) {
            return n.run(work);
        }
    }

    /**
     * Runs a command (e.g. {@code ip -d link}) inside {@code ns} and returns its stdout;
     * throws if it exits non-zero, with its stderr. Forked from a thread inside the namespace,
     * so unlike {@code ip netns exec} it does not remount /sys.
     */
    public String exec(Path ns, String... command) {
        return runIn(ns, () -> {
            try {
                return run(command);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(String.join(" ", command) + ": " + e, e);
            }
        });
    }

    /** Runs a command in the node namespace. */
    public String execInNode(String... command) {
        return exec(node, command);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        byte[] out;
        byte[] err;
        try (InputStream o = p.getInputStream();
                InputStream e = p.getErrorStream()) {
            out = o.readAllBytes();
            err = e.readAllBytes();
        }
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + rc + ": "
                    + new String(err, StandardCharsets.UTF_8).trim());
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private Path newNamespace() {
        installHook();
        String name = PREFIX + PID + "-" + COUNTER.incrementAndGet();
        LIVE.add(name);
        synchronized (names) {
            names.add(name);
        }
        Path ns;
        try {
            ns = NetNs.create(name);
        } catch (RuntimeException e) {
            LIVE.remove(name);
            throw e;
        }
        try (NetNs opened = NetNs.open(ns)) {
            for (String key : KERNEL_DEFAULTS) {
                Sysctl.set(opened, key, "0");
            }
        }
        return ns;
    }

    /**
     * IPv4 settings a new namespace copies from the machine's own (net.core.devconf_inherit_init_net
     * 0, the default), set back to the kernel's defaults, so that tests see the same namespaces on a
     * Kubernetes node (ip_forward 1), a systemd distribution (rp_filter 2, promote_secondaries 1) and
     * a bare machine.
     */
    private static final List<String> KERNEL_DEFAULTS = List.of(
            "net/ipv4/ip_forward",
            "net/ipv4/conf/all/rp_filter",
            "net/ipv4/conf/default/rp_filter",
            "net/ipv4/conf/all/promote_secondaries",
            "net/ipv4/conf/default/promote_secondaries");

    /** Deletes every namespace this instance made. */
    @Override
    public void close() {
        synchronized (names) {
            for (String name : names) {
                try {
                    NetNs.delete(name);
                } catch (RuntimeException e) {
                    System.err.println("TestNetworks: could not delete netns " + name + ": " + e.getMessage());
                }
                LIVE.remove(name);
            }
            names.clear();
        }
    }

    private static synchronized void installHook() {
        if (hookInstalled) {
            return;
        }
        hookInstalled = true;
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            for (String name : LIVE) {
                                try {
                                    NetNs.delete(name);
                                } catch (RuntimeException ignored) {
                                    // best effort at exit
                                }
                            }
                        },
                        "cni4j-testnetworks-cleanup"));
    }

    /**
     * Deletes {@code cni4jt-<pid>-*} namespaces whose creating process is gone. Names whose pid
     * is alive (another test JVM, or this one) are never touched.
     */
    public static int sweepLeftovers() {
        int removed = 0;
        for (String name : NetNs.list()) {
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            int dash = name.indexOf('-', PREFIX.length());
            if (dash < 0) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(name.substring(PREFIX.length(), dash));
            } catch (NumberFormatException e) {
                continue;
            }
            if (pid == PID || Files.exists(Path.of("/proc/" + pid))) {
                continue;
            }
            if (NetNs.delete(name)) {
                removed++;
            }
        }
        return removed;
    }
}
