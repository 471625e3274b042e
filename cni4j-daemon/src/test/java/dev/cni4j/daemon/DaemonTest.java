package dev.cni4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.daemon.FastPathProtocol.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon in-process (as root, no namespace changes): socket set-up, declines, time-outs. */
class DaemonTest {
    @TempDir
    Path tmp;

    Path socket;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Daemon daemon;

    @BeforeEach
    void start() throws IOException {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")), "needs root: the daemon serves root peers only");
        socket = tmp.resolve("run/cni.sock");
        daemon = Daemon.start(socket, 4, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void socketIs0600InA0700DirectoryAndServesVersion() throws IOException {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        Namespaces own = Namespaces.ofCurrentThread();
        ByteBuffer reply = call(new Request(
                own.net(),
                own.mnt(),
                "loopback",
                Map.of("CNI_COMMAND", "VERSION"),
                "{\"cniVersion\":\"0.4.0\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(FastPathProtocol.ACCEPTED, reply.get());
        assertEquals(0, reply.getInt());
        byte[] out = new byte[reply.getInt()];
        reply.get(out);
        assertTrue(
                new String(out, StandardCharsets.UTF_8).startsWith("{\"cniVersion\":\"0.4.0\",\"supportedVersions\""));
        assertEquals(0, reply.getInt(), "no stderr");
    }

    @Test
    void clientsElsewhereAndUnknownTypesAreDeclined() throws IOException {
        Namespaces own = Namespaces.ofCurrentThread();
        byte[] in = "{}".getBytes(StandardCharsets.UTF_8);
        assertEquals(
                FastPathProtocol.DECLINED,
                call(new Request(new NsId(1, 2), own.mnt(), "loopback", Map.of(), in))
                        .get());
        assertEquals(
                FastPathProtocol.DECLINED,
                call(new Request(own.net(), new NsId(1, 2), "loopback", Map.of(), in))
                        .get());
        assertEquals(
                FastPathProtocol.DECLINED,
                call(new Request(own.net(), own.mnt(), "frob", Map.of(), in)).get());
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("another network or mount namespace") && text.contains("unknown plugin type"), text);
    }

    @Test
    void theObserverHearsOfEveryServedAndDeclinedCall() throws IOException {
        java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        RequestObserver observer = new RequestObserver() {
            @Override
            public void served(String type, String command, int exitCode, long nanos) {
                heard.add(type + " " + command + " " + exitCode + (nanos > 0 ? "" : " no time"));
            }

            @Override
            public void declined(Decline reason) {
                heard.add("declined " + reason.label());
            }
        };
        Path observed = tmp.resolve("observed/cni.sock");
        try (Daemon d = Daemon.start(new Daemon.Options(
                observed, 4, new PrintStream(log, true, StandardCharsets.UTF_8), null, false, observer))) {
            Namespaces own = Namespaces.ofCurrentThread();
            byte[] in = "{\"cniVersion\":\"1.1.0\"}".getBytes(StandardCharsets.UTF_8);
            call(observed, new Request(own.net(), own.mnt(), "loopback", Map.of("CNI_COMMAND", "VERSION"), in));
            call(observed, new Request(own.net(), own.mnt(), "bridge", Map.of("CNI_COMMAND", "ADD"), in));
            call(observed, new Request(new NsId(1, 2), own.mnt(), "loopback", Map.of(), in));
            call(observed, new Request(own.net(), own.mnt(), "frob", Map.of(), in));
        }
        assertEquals(
                java.util.List.of(
                        "loopback VERSION 0", "bridge ADD 1", "declined other_namespace", "declined unknown_type"),
                heard);
    }

    @Test
    void aStalledClientDoesNotHoldUpOthers() throws IOException {
        Namespaces own = Namespaces.ofCurrentThread();
        try (SocketChannel stalled = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            stalled.write(ByteBuffer.allocate(8)
                    .putInt(FastPathProtocol.MAGIC)
                    .putInt(1000)
                    .flip()); // and no body
            long t0 = System.nanoTime();
            ByteBuffer reply = call(new Request(
                    own.net(),
                    own.mnt(),
                    "loopback",
                    Map.of("CNI_COMMAND", "VERSION"),
                    "{}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(FastPathProtocol.ACCEPTED, reply.get());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "served while the other stalls");
        }
    }

    @Test
    void aRequestThatArrivesInPiecesIsServed() throws Exception {
        // The accepting thread takes a request that is all there; the rest goes to the selector,
        // from wherever the accepting thread's read stopped: inside the header and inside the body.
        Namespaces own = Namespaces.ofCurrentThread();
        ByteBuffer request = FastPathProtocol.encode(new Request(
                own.net(),
                own.mnt(),
                "loopback",
                Map.of("CNI_COMMAND", "VERSION"),
                "{}".getBytes(StandardCharsets.UTF_8)));
        for (int split : new int[] {5, 8 + 20}) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ch.write(request.duplicate().limit(split));
                Thread.sleep(100); // the accepting thread has read what there was by now
                ch.write(request.duplicate().position(split));
                ByteBuffer reply = ByteBuffer.allocate(1 << 16);
                while (ch.read(reply) >= 0) {
                    // until the daemon closes
                }
                assertEquals(FastPathProtocol.ACCEPTED, reply.flip().get(), "split at " + split);
            }
        }
    }

    @Test
    void aClientThatSendsNothingIsDropped() throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            long t0 = System.nanoTime();
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)), "closed without a reply");
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertTrue(seconds >= Daemon.IO_TIMEOUT.toSeconds() - 1 && seconds < 30, seconds + " s");
        }
    }

    @Test
    void aSecondDaemonIsRefusedAStaleSocketReplacedALooseDirectoryRefused() throws IOException {
        assertThrows(IOException.class, () -> Daemon.start(socket, 1, System.err));
        Path stale = tmp.resolve("stale/cni.sock");
        Files.createDirectories(
                stale.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(stale.getParent(), PosixFilePermissions.fromString("rwx------"));
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale)); // closing leaves the file behind
        }
        Daemon.start(stale, 1, System.err).close();
        Path loose = tmp.resolve("loose/cni.sock");
        Files.createDirectories(loose.getParent());
        Files.setPosixFilePermissions(loose.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        IOException e = assertThrows(IOException.class, () -> Daemon.start(loose, 1, System.err));
        assertTrue(e.getMessage().contains("0700"), e.getMessage());
    }

    @Test
    void aThousandIdleConnectionsDoNotMakeAThousandThreadsAndARealCallIsServed() throws Exception {
        java.util.List<SocketChannel> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                idle.add(SocketChannel.open(UnixDomainSocketAddress.of(socket))); // and nothing sent
            }
            Thread.sleep(300);
            long requestThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("cni4j-request"))
                    .count();
            assertTrue(requestThreads < 50, requestThreads + " request threads for 1000 idle connections");
            Namespaces own = Namespaces.ofCurrentThread();
            ByteBuffer reply = call(new Request(
                    own.net(),
                    own.mnt(),
                    "loopback",
                    Map.of("CNI_COMMAND", "VERSION"),
                    "{\"cniVersion\":\"1.1.0\"}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(FastPathProtocol.ACCEPTED, reply.get(), "served while 1000 connections idle");
            assertEquals(0, reply.getInt());
        } finally {
            for (SocketChannel ch : idle) {
                ch.close();
            }
        }
    }

    @Test
    void aMalformedRequestIsDeclinedByTheReader() throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.allocate(8).putInt(0x12345678).putInt(4).flip());
            ByteBuffer reply = ByteBuffer.allocate(16);
            while (ch.read(reply) >= 0) {
                // until the daemon closes
            }
            assertEquals(FastPathProtocol.DECLINED, reply.flip().get());
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("bad magic"), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aSocketDirectoryWithTheWrongOwnerOrModeIsOneLineAndStatus1() throws Exception {
        Path loose = Files.createDirectories(tmp.resolve("loose"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(
                foreign, foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        for (Path dir : new Path[] {loose, foreign}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Daemon.run(
                    new String[] {"--socket", dir.resolve("cni.sock").toString(), "--no-warm-up"},
                    "",
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String text = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, status, text);
            assertEquals(1, text.lines().count(), text);
            assertTrue(
                    text.startsWith("cni4j-daemon: socket directory " + dir + " must be a directory owned by root"
                            + " with mode 0700 (it is owned by "),
                    text);
            assertTrue(!text.contains("Exception") && !text.contains("\tat "), text);
            assertTrue(!Files.exists(dir.resolve("cni.sock")));
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(
                2,
                Daemon.run(
                        new String[] {"--max-requests", "x"}, "", new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).startsWith("cni4j-daemon: "),
                err.toString(StandardCharsets.UTF_8));
    }

    private ByteBuffer call(Request request) throws IOException {
        return call(socket, request);
    }

    private static ByteBuffer call(Path socket, Request request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(FastPathProtocol.encode(request));
            ByteBuffer reply = ByteBuffer.allocate(1 << 16);
            while (ch.read(reply) >= 0) {
                // until the daemon closes
            }
            return reply.flip();
        }
    }
}
