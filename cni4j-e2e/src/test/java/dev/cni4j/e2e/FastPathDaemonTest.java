package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.daemon.FastPathProtocol;
import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.e2e.Exec.Outcome;
import dev.cni4j.json.JsonObject;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the fast path has: concurrent calls, a client that goes away, peers and requests the
 * daemon must decline, and the launcher's fallback to the standalone plugin.
 */
class FastPathDaemonTest {
    static final String VERSION_IN = "{\"cniVersion\":\"1.0.0\"}";
    static final String VERSION_OUT =
            "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}";

    @TempDir
    Path tmp;

    FastPathDaemons daemons;

    @BeforeEach
    void daemons() {
        TestNetworks.assumePrivileged();
        daemons = new FastPathDaemons();
    }

    @AfterEach
    void stop() {
        if (daemons != null) {
            daemons.close();
        }
    }

    @Test
    void concurrentPodsGetDistinctAddressesAndLeaveNothing() throws Exception {
        String conf =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"fastpath\",\"type\":\"bridge\",\"bridge\":\"cni0\",\"isGateway\":true,"
                        + "\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + tmp.resolve("ipam")
                        + "\",\"ranges\":[[{\"subnet\":\"10.244.7.0/24\"}]]}}";
        int pods = 6;
        try (TestNetworks net = TestNetworks.create();
                ExecutorService pool = Executors.newFixedThreadPool(pods)) {
            Path socket = net.runInNode(() -> daemons.socketForCurrentThread());
            List<Path> ns = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                ns.add(net.newPod());
            }
            List<Future<Outcome>> adds = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                int n = i;
                adds.add(pool.submit(
                        () -> net.runInNode(() -> call("bridge", socket, "ADD", "pod" + n, ns.get(n), conf, true))));
            }
            Set<String> ips = new HashSet<>();
            List<JsonObject> results = new ArrayList<>();
            for (Future<Outcome> f : adds) {
                Outcome o = f.get();
                assertEquals(0, o.exit(), o.stdout() + o.stderr());
                results.add(o.json());
                ips.add(o.json().objects("ips").get(0).string("address"));
            }
            assertEquals(pods, ips.size(), "every pod its own address: " + ips);
            List<Future<Outcome>> dels = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                int n = i;
                String withPrev = BridgeInteropExecTest.withPrev(conf, results.get(n));
                dels.add(pool.submit(() ->
                        net.runInNode(() -> call("bridge", socket, "DEL", "pod" + n, ns.get(n), withPrev, true))));
            }
            for (Future<Outcome> f : dels) {
                assertEquals(0, f.get().exit(), f.get().stdout());
            }
            assertEquals(0, BridgeInteropExecTest.reservations(tmp.resolve("ipam/fastpath")));
            assertTrue(!net.execInNode("ip", "-o", "link").contains("veth"), "no veth left");
        }
    }

    @Test
    void aClientThatHangsUpDoesNotAbortTheCall() throws Exception {
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            Path socket = net.runInNode(() -> daemons.socketForCurrentThread());
            Map<String, String> env = Exec.env("ADD", "ctr1", pod.toString(), "lo");
            String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}";
            net.runInNode(() -> {
                try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    ch.write(request("loopback", env, conf));
                    ByteBuffer status = ByteBuffer.allocate(1);
                    ch.read(status);
                    assertEquals(FastPathProtocol.ACCEPTED, status.get(0));
                } // hang up before the result
                return null;
            });
            long deadline = System.currentTimeMillis() + 10_000;
            while (!net.exec(pod, "ip", "-o", "link", "show", "lo").contains(",UP")) {
                assertTrue(System.currentTimeMillis() < deadline, "the ADD did not complete");
                Thread.sleep(20);
            }
            Outcome next = net.runInNode(() -> call("loopback", socket, "VERSION", "", pod, VERSION_IN, true));
            assertEquals(VERSION_OUT, next.stdout(), "the daemon still serves");
        }
    }

    @Test
    void aPeerThatIsNotRootIsDeclined() throws Exception {
        FastPathDaemons.Running daemon = daemons.forCurrentThread();
        // Open the 0700 directory and 0600 socket, as a mistake would: the credentials check still holds.
        Files.setPosixFilePermissions(daemon.socket().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(daemon.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path launcher =
                Files.copy(Exec.plugin("loopback"), tmp.resolve("loopback"), StandardCopyOption.COPY_ATTRIBUTES);
        ProcessBuilder pb =
                new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", launcher.toString());
        pb.environment().put("CNI_COMMAND", "VERSION");
        pb.environment().put("CNI4J_SOCKET", daemon.socket().toString());
        pb.environment().put("CNI4J_FALLBACK", "never");
        Process p = pb.redirectErrorStream(true).start();
        p.getOutputStream().write(VERSION_IN.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("did not serve"), out);
        assertTrue(
                daemon.logText().contains("declined: peer") && daemon.logText().contains("is not root"),
                daemon.logText());
    }

    @Test
    void anOversizeRequestIsDeclinedAndTheLauncherFallsBack() throws Exception {
        Path socket = daemons.socketForCurrentThread();
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.allocate(8)
                    .putInt(FastPathProtocol.MAGIC)
                    .putInt(FastPathProtocol.MAX_BODY + 1)
                    .flip());
            ByteBuffer status = ByteBuffer.allocate(1);
            ch.read(status);
            assertEquals(FastPathProtocol.DECLINED, status.get(0));
        }
        String big = VERSION_IN + " ".repeat(FastPathProtocol.MAX_BODY + 10);
        Outcome strict = call("loopback", socket, "VERSION", "", Path.of("/"), big, true);
        assertEquals(1, strict.exit(), strict.stderr());
        Outcome fallback = call("loopback", socket, "VERSION", "", Path.of("/"), big, false);
        assertEquals(0, fallback.exit(), fallback.stderr());
        assertEquals(VERSION_OUT, fallback.stdout());
        assertEquals(
                VERSION_OUT,
                call("loopback", socket, "VERSION", "", Path.of("/"), VERSION_IN, true)
                        .stdout(),
                "the daemon still serves");
    }

    @Test
    void withoutADaemonOrInAnotherNamespaceTheLauncherRunsStandalone() {
        Path missing = tmp.resolve("no-daemon.sock");
        Outcome none = call("loopback", missing, "VERSION", "", Path.of("/"), VERSION_IN, false);
        assertEquals(0, none.exit(), none.stderr());
        assertEquals(VERSION_OUT, none.stdout());
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            Path socket = net.runInNode(() -> daemons.socketForCurrentThread());
            // A launcher in the pod's namespace must not be served by the node's daemon.
            Outcome declined = net.runIn(pod, () -> call("loopback", socket, "VERSION", "", pod, VERSION_IN, true));
            assertEquals(1, declined.exit());
            Outcome standalone = net.runIn(
                    pod, () -> call("loopback", socket, "ADD", "ctr1", pod, LoopbackExecTest.conf("1.0.0"), false));
            assertEquals(0, standalone.exit(), standalone.stdout() + standalone.stderr());
            Outcome served = net.runInNode(
                    () -> call("loopback", socket, "ADD", "ctr1", pod, LoopbackExecTest.conf("1.0.0"), true));
            assertEquals(standalone.stdout(), served.stdout(), "the same result both ways");
            assertTrue(daemons.running().get(0).logText().contains("declined: client in another network"));
        }
    }

    /**
     * The node agent's case: the daemon in a container's mount namespace, the runtime's launcher
     * in the host's, where CNI_NETNS names a path the daemon cannot see. Here the launcher runs
     * in a private mount namespace in which the pod's namespace is bind-mounted on a tmpfs that
     * exists nowhere else; the daemon reaches it through the launcher's fd, or declines when not
     * allowed to serve other mount namespaces.
     */
    @Test
    void aDaemonForOtherMountNamespacesReachesCniNetnsThroughTheLaunchersFd() throws Exception {
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            FastPathDaemons.Running serving = net.runInNode(() -> daemons.start("--other-mount-namespaces"));
            FastPathDaemons.Running sameMountsOnly = net.runInNode(() -> daemons.start());
            Path hidden = Files.createDirectories(tmp.resolve("hidden"));
            String conf = LoopbackExecTest.conf("1.0.0");

            Outcome added = net.runInNode(() -> inPrivateMounts(serving.socket(), "ADD", pod, hidden, "ns", conf));
            assertEquals(0, added.exit(), added.stdout() + added.stderr());
            assertEquals(
                    hidden.resolve("ns").toString(),
                    added.json().objects("interfaces").get(0).string("sandbox"),
                    "the result names the caller's path");
            assertTrue(net.exec(pod, "ip", "-o", "link", "show", "lo").contains(",UP"), "lo is up in the pod");
            assertTrue(serving.logText().contains("served loopback ADD"), serving.logText());
            assertTrue(!Files.exists(hidden.resolve("ns")), "the path exists only in the launcher's mount namespace");

            Outcome gone =
                    net.runInNode(() -> inPrivateMounts(serving.socket(), "DEL", pod, hidden, "no-such-ns", conf));
            assertEquals(0, gone.exit(), "DEL of a namespace the launcher cannot open succeeds: " + gone.stdout());
            assertEquals(2, serving.served(), serving.logText());

            Outcome declined =
                    net.runInNode(() -> inPrivateMounts(sameMountsOnly.socket(), "ADD", pod, hidden, "ns", conf));
            assertEquals(1, declined.exit(), "CNI4J_FALLBACK=never: " + declined.stdout());
            assertTrue(
                    sameMountsOnly.logText().contains("declined: client in another network or mount namespace"),
                    sameMountsOnly.logText());
        }
    }

    /**
     * The loopback launcher in a new private mount namespace where a tmpfs covers {@code dir} and
     * the pod's namespace is bind-mounted at {@code dir/ns}; CNI_NETNS is {@code dir/name}.
     */
    private static Outcome inPrivateMounts(Path socket, String command, Path pod, Path dir, String name, String stdin) {
        ProcessBuilder pb = new ProcessBuilder(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                "mount -t tmpfs cni4jt \"$2\" && touch \"$2/ns\" && mount --bind \"$1\" \"$2/ns\" && exec \"$3\"",
                "sh",
                pod.toString(),
                dir.toString(),
                Exec.plugin("loopback").toString());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().putAll(Exec.env(command, "ctr-mnt", dir.resolve(name).toString(), "lo"));
        pb.environment().put("CNI4J_SOCKET", socket.toString());
        pb.environment().put("CNI4J_FALLBACK", "never");
        try {
            Process p = pb.start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Outcome(p.waitFor(), out, err);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aDaemonThatDoesNotAnswerCountsAsAbsent() throws Exception {
        Path socket = tmp.resolve("mute.sock");
        try (ServerSocketChannel mute = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            mute.bind(UnixDomainSocketAddress.of(socket)); // connections wait in the backlog, unanswered
            long t0 = System.nanoTime();
            Outcome o = call("loopback", socket, "VERSION", "", Path.of("/"), VERSION_IN, false);
            assertEquals(VERSION_OUT, o.stdout(), o.stderr());
            assertTrue(System.nanoTime() - t0 > 4_000_000_000L, "it waited for the daemon first");
        }
    }

    @Test
    void afterTheDaemonAcceptedTheLauncherNeverFallsBack() throws Exception {
        Path socket = tmp.resolve("dies.sock");
        try (ServerSocketChannel dies = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dies.bind(UnixDomainSocketAddress.of(socket));
            // The launcher's own error names the request's cniVersion (the top-level one).
            Map<String, String> stdinToVersion = new java.util.LinkedHashMap<>();
            stdinToVersion.put(VERSION_IN, "1.0.0");
            stdinToVersion.put(
                    "{\"prevResult\":{\"cniVersion\":\"1.1.0\",\"x\":[\"cniVersion\"]},\n \"cniVersion\" : \"0.4.0\"}",
                    "0.4.0");
            stdinToVersion.put("{\"cniVersion\":\"1.0.0\\\",\\\"code\\\":0}", "1.1.0"); // not a version: the default
            Thread fake = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < stdinToVersion.size(); i++) {
                    try (SocketChannel ch = dies.accept()) {
                        ByteBuffer header = ByteBuffer.allocate(FastPathProtocol.HEADER);
                        while (header.hasRemaining()) {
                            ch.read(header);
                        }
                        ByteBuffer body = ByteBuffer.allocate(FastPathProtocol.bodyLength(header));
                        while (body.hasRemaining()) {
                            ch.read(body);
                        }
                        ch.write(ByteBuffer.wrap(new byte[] {FastPathProtocol.ACCEPTED})); // then "crashes"
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            for (Map.Entry<String, String> c : stdinToVersion.entrySet()) {
                Outcome o = call("loopback", socket, "VERSION", "", Path.of("/"), c.getKey(), false);
                LoopbackExecTest.assertError(o, 11);
                assertEquals(c.getValue(), o.json().string("cniVersion"), o.stdout());
            }
            fake.join();
        }
    }

    @Test
    void aNetnsThatIsNotANamespaceIsRefusedWithCode4() {
        Path socket = daemons.socketForCurrentThread();
        for (boolean viaDaemon : new boolean[] {true, false}) {
            Outcome o = call(
                    "loopback",
                    viaDaemon ? socket : Path.of(Exec.NO_DAEMON),
                    "ADD",
                    "ctr1",
                    Path.of("/etc/hostname"),
                    LoopbackExecTest.conf("1.0.0"),
                    viaDaemon);
            LoopbackExecTest.assertError(o, 4);
        }
    }

    private static Outcome call(
            String type, Path socket, String command, String id, Path netns, String stdin, boolean strict) {
        Map<String, String> env = new HashMap<>(Exec.env(command, id, netns.toString(), "eth0"));
        env.put("CNI4J_SOCKET", socket.toString());
        env.put("CNI4J_FALLBACK", strict ? "never" : "");
        return Exec.run(type, env, stdin);
    }

    private static ByteBuffer request(String type, Map<String, String> env, String stdin) {
        NsId net = id("/proc/thread-self/ns/net");
        NsId mnt = id("/proc/thread-self/ns/mnt");
        return FastPathProtocol.encode(
                new FastPathProtocol.Request(net, mnt, type, env, stdin.getBytes(StandardCharsets.UTF_8)));
    }

    private static NsId id(String path) {
        try {
            Map<String, Object> a = Files.readAttributes(Path.of(path), "unix:dev,ino");
            return new NsId((Long) a.get("dev"), (Long) a.get("ino"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
