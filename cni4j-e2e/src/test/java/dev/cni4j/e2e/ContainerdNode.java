package dev.cni4j.e2e;

import dev.cni4j.agent.install.CniInstaller;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * containerd 1.6 with its CRI plugin as a node runs it, inside a test's node network namespace
 * and a private mount namespace of its own: its own {@code /run} (netns bind mounts, shim
 * sockets, the fast path's default socket {@code /run/cni4j/cni.sock} and the pod CIDR file),
 * its own {@code /var/lib/cni} (libcni's result cache, host-local's reservations), a sysfs of the
 * node namespace with the cgroup hierarchies bound back, and its root, state and socket in
 * the test's directory. The CNI config is the agent's default conflist (bridge + host-local
 * over the pod CIDR, portmap, bandwidth) with {@code dist/bin} as the plugin dir; containerd
 * runs its own loopback network with our {@code loopback}. No registry is reached: the sandbox
 * image (busybox-static's sleep) is built here, imported as an OCI archive.
 *
 * <p>With {@code fastPath}, a {@code cni4j-daemon} runs in the same namespaces on its default
 * socket, and containerd (so every plugin it execs) has {@code CNI4J_FALLBACK=never}: a call
 * the daemon did not serve fails.
 *
 * <p>{@link #close()} kills containerd, its shims and their pause processes and the daemon
 * (found by pid), so the mount namespace goes with them.
 */
final class ContainerdNode implements AutoCloseable {
    static final String POD_CIDR = "10.88.9.0/24";
    static final String SANDBOX_IMAGE = "cni4j.test/pause:1";
    static final String NETWORK = "cni4jcri";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Path daemonLog;
    private final Path binDir;
    private final String conflist;
    private final boolean fastPath;
    private final String cgroupParent = "/cni4j-e2e-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    private Process containerd;
    private CriRuntime cri;

    /** Skips the test unless root, containerd, ctr, runc and a static busybox (the sandbox's process) are there. */
    static void assumeAvailable() {
        TestNetworks.assumePrivileged();
        for (String exe : new String[] {"/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2"}) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(exe)), exe + " not installed");
        }
        Assumptions.assumeTrue(
                PauseImage.isStatic(PauseImage.BUSYBOX),
                PauseImage.BUSYBOX + " missing or not static (busybox-static)");
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")),
                "runc not installed");
    }

    private ContainerdNode(Path dir, Path binDir, String conflist, boolean fastPath) {
        this.dir = dir;
        this.binDir = binDir;
        this.conflist = conflist;
        this.socket = dir.resolve("containerd.sock");
        this.log = dir.resolve("containerd.log");
        this.daemonLog = dir.resolve("daemon.log");
        this.fastPath = fastPath;
    }

    /**
     * Starts containerd on our plugins and the agent's conflist in {@code net}'s node namespace, with its files under
     * {@code dir}.
     */
    static ContainerdNode start(TestNetworks net, Path dir, boolean fastPath) throws IOException, InterruptedException {
        return start(net, dir, Exec.DIST.resolve("bin"), conflist(), fastPath);
    }

    /** Starts containerd with the plugins of {@code binDir} (ours or the reference ones) and {@code conflist}. */
    static ContainerdNode start(TestNetworks net, Path dir, Path binDir, String conflist, boolean fastPath)
            throws IOException, InterruptedException {
        ContainerdNode node = new ContainerdNode(Files.createDirectories(dir), binDir, conflist, fastPath);
        try {
            node.launch(net);
            return node;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    private void launch(TestNetworks net) throws IOException, InterruptedException {
        Path image = PauseImage.build(dir.resolve("pause-image"));
        Files.createDirectories(dir.resolve("net.d"));
        Files.writeString(dir.resolve("net.d/10-cni4j.conflist"), conflist);
        Files.writeString(dir.resolve("config.toml"), config());
        Files.writeString(dir.resolve("start.sh"), startScript());
        ProcessBuilder pb = new ProcessBuilder(
                        "unshare",
                        "--mount",
                        "--propagation",
                        "private",
                        "bash",
                        dir.resolve("start.sh").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("CNI4J_SOCKET"); // the launchers must find the daemon on their default socket
        if (fastPath) {
            pb.environment().put("CNI4J_FALLBACK", "never");
        } else {
            pb.environment().remove("CNI4J_FALLBACK");
        }
        containerd = net.runInNode(pb::start);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket) || !logText().contains("containerd successfully booted")) {
            if (!containerd.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("containerd did not start:\n" + logText());
            }
            Thread.sleep(50);
        }
        cri = new CriRuntime(socket, cgroupParent);
        cri.version();
        run(
                "ctr",
                "--address",
                socket.toString(),
                "-n",
                "k8s.io",
                "images",
                "import",
                "--snapshotter",
                "native",
                image.toString());
        if (fastPath) {
            while (!daemonLogText().contains("cni4j-daemon: serving")) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cni4j-daemon did not start:\n" + daemonLogText());
                }
                Thread.sleep(50);
            }
        }
    }

    /** The agent's default conflist, as the agent writes it. */
    static String conflist() {
        // exactly what the agent writes by default (cniVersion 1.0.0: containerd 1.6 cannot read 1.1.0 results)
        return CniInstaller.defaultConflist(
                NETWORK, null, 0, NodeLayout.POD_CIDR_FILE, NodeLayout.HOST_LOCAL_DATA_DIR, false);
    }

    private String config() {
        return """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%2$s"
                  # this machine refuses a negative oom_score_adj; without this runc fails with
                  # "can't get final child's PID from pipe"
                  restrict_oom_score_adj = true
                  disable_apparmor = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "native"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%3$s"
                    conf_dir = "%1$s/net.d"
                    max_conf_num = 1
                """.formatted(dir, SANDBOX_IMAGE, binDir);
    }

    /**
     * Run by {@code unshare --mount} from a thread in the node namespace: the node's sysfs (so
     * /sys/class/net is the node's) with the cgroup hierarchies bound back (of v1 not the hybrid
     * "unified" one, which runc would mistake for the whole hierarchy; v2 as it is), a private /run and
     * /var/lib/cni, the pod CIDR file, the daemon if asked, then containerd itself.
     */
    private String startScript() {
        List<String> lines = new ArrayList<>(List.of(
                "set -eu",
                "hold=" + dir.resolve("cgroup-hold"),
                "mkdir -p $hold",
                "mount --rbind /sys/fs/cgroup $hold",
                "umount -l /sys",
                "mount -t sysfs sysfs /sys",
                "if [ \"$(stat -f -c %T $hold)\" = cgroup2fs ]; then mount --rbind $hold /sys/fs/cgroup; else",
                "  mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup",
                "  for c in $hold/*; do n=$(basename $c); [ $n = unified ] && continue;",
                "    if [ -L $c ]; then ln -s $(readlink $c) /sys/fs/cgroup/$n; else mkdir -p /sys/fs/cgroup/$n; mount --bind $c /sys/fs/cgroup/$n; fi",
                "  done",
                "fi",
                "umount -l $hold",
                "mount -t tmpfs -o mode=755 tmpfs /run",
                "mkdir -p /var/lib/cni && mount -t tmpfs -o mode=755 tmpfs /var/lib/cni",
                "mkdir -m 700 /run/cni4j",
                "echo " + POD_CIDR + " > " + NodeLayout.POD_CIDR_FILE));
        if (fastPath) {
            lines.add(binDir.resolve("cni4j-daemon") + " > " + daemonLog + " 2>&1 &");
        }
        lines.add("exec containerd --config " + dir.resolve("config.toml"));
        return String.join("\n", lines) + "\n";
    }

    /** containerd's version, e.g. "1.6.20~ds1". */
    static String version() {
        try {
            String[] words = run("containerd", "--version").trim().split("\\s+");
            return words.length >= 3 ? words[2] : String.join(" ", words);
        } catch (IOException | InterruptedException e) {
            return "(unknown version)";
        }
    }

    CriRuntime cri() {
        return cri;
    }

    String logText() {
        return readOrEmpty(log);
    }

    String daemonLogText() {
        return readOrEmpty(daemonLog);
    }

    /** The daemon's served plugin calls (self-checks aside). */
    List<String> served() {
        return daemonLogText()
                .lines()
                .filter(l -> l.contains(" served ") && !l.contains("self-check"))
                .toList();
    }

    /** Runs {@code command} in containerd's mount namespace (its /run and /var/lib/cni) and node netns. */
    String inContainerdNamespaces(String... command) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(
                "nsenter",
                "--mount=/proc/" + containerd.pid() + "/ns/mnt",
                "--net=/proc/" + containerd.pid() + "/ns/net"));
        c.addAll(List.of(command));
        return run(c.toArray(String[]::new));
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out: " + out);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /**
     * Kills the shims of this containerd (they daemonize, so they are found by the socket on
     * their command line) with their pause processes, then containerd and the daemon.
     */
    @Override
    public void close() {
        if (cri != null) {
            cri.close();
        }
        List<ProcessHandle> shims;
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            shims = all.filter(h -> commandLine(h).contains("containerd-shim")
                            && (commandLine(h) + " ").contains(" -address " + socket + " "))
                    .toList();
        }
        List<ProcessHandle> pods = new ArrayList<>();
        for (ProcessHandle shim : shims) {
            pods.addAll(shim.descendants().toList());
            pods.add(shim);
        }
        pods.forEach(ProcessHandle::destroyForcibly);
        awaitExit(pods);
        if (containerd != null) {
            List<ProcessHandle> children = containerd.descendants().toList();
            containerd.destroy();
            children.forEach(ProcessHandle::destroy);
            awaitExit(List.of(containerd.toHandle()));
            awaitExit(children);
        }
        // runc removes a sandbox's cgroup when containerd deletes it; those of killed sandboxes
        // and the pods' parent are ours to remove
        Path cgroupRoot = Path.of("/sys/fs/cgroup");
        try (Stream<Path> hierarchies = Stream.concat(Stream.of(cgroupRoot), Files.list(cgroupRoot))) { // v2, v1
            for (Path parent : hierarchies
                    .map(h -> h.resolve(cgroupParent.substring(1)))
                    .filter(Files::isDirectory)
                    .toList()) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory).forEach(c -> c.toFile().delete());
                }
                parent.toFile().delete();
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Waits for {@code processes} to exit (SIGKILL after 20 s). */
    private static void awaitExit(List<ProcessHandle> processes) {
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    private static String commandLine(ProcessHandle h) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + h.pid() + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ')
                    .trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The sandbox image: busybox-static's {@code sleep} as the sandbox's only process (containerd
     * stops a sandbox with SIGKILL, so it needs no signal handling), in an OCI image layout with
     * one uncompressed layer, written by hand and archived for {@code ctr import} under the name
     * {@link #SANDBOX_IMAGE}.
     */
    static final class PauseImage {
        static final Path BUSYBOX = Path.of("/bin/busybox");

        static Path build(Path dir) throws IOException, InterruptedException {
            Path rootfs = Files.createDirectories(dir.resolve("rootfs/bin"));
            Path layout = Files.createDirectories(dir.resolve("layout"));
            Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
            Files.copy(BUSYBOX, rootfs.resolve("busybox"));
            Path layerTar = dir.resolve("layer.tar");
            run(
                    "tar",
                    "--owner=0",
                    "--group=0",
                    "-C",
                    rootfs.getParent().toString(),
                    "-cf",
                    layerTar.toString(),
                    "bin");
            byte[] layer = Files.readAllBytes(layerTar);
            String layerDigest = blob(blobs, layer);
            byte[] config = """
                    {"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/busybox","sleep","2147483647"]},\
                    "rootfs":{"type":"layers",\
                    "diff_ids":["sha256:%s"]}}""".formatted(layerDigest).getBytes(StandardCharsets.UTF_8);
            String configDigest = blob(blobs, config);
            byte[] manifest = """
                    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},\
                    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s",\
                    "size":%d}]}""".formatted(configDigest, config.length, layerDigest, layer.length)
                    .getBytes(StandardCharsets.UTF_8);
            String manifestDigest = blob(blobs, manifest);
            Files.writeString(
                    layout.resolve("index.json"), """
                    {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                    "digest":"sha256:%s","size":%d,\
                    "annotations":{"io.containerd.image.name":"%s"}}]}""".formatted(manifestDigest, manifest.length, SANDBOX_IMAGE));
            Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            Path archive = dir.resolve("pause-image.tar");
            run("tar", "-C", layout.toString(), "-cf", archive.toString(), ".");
            return archive;
        }

        /** An ELF64 executable without a PT_INTERP program header: it needs no loader or libc in the image. */
        static boolean isStatic(Path exe) {
            try {
                java.nio.ByteBuffer elf =
                        java.nio.ByteBuffer.wrap(Files.readAllBytes(exe)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2) {
                    return false;
                }
                long phoff = elf.getLong(0x20);
                int phentsize = Short.toUnsignedInt(elf.getShort(0x36));
                int phnum = Short.toUnsignedInt(elf.getShort(0x38));
                for (int i = 0; i < phnum; i++) {
                    if (elf.getInt((int) phoff + i * phentsize) == 3) { // PT_INTERP
                        return false;
                    }
                }
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        private static String blob(Path blobs, byte[] content) throws IOException {
            try {
                String digest = HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(content));
                Files.write(blobs.resolve(digest), content);
                return digest;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
