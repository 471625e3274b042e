package dev.cni4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Daemon#serve} on a socket bound by someone else, as systemd passes it, in-process (as
 * root): the same checks, the socket left in place, the idle stop, and a queued connection served
 * by the next daemon on the same socket. The packaged daemon under systemd-socket-activate is
 * cni4j-e2e's SocketActivationExecTest.
 */
class SocketActivationTest {
    @TempDir
    Path tmp;

    ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void needsRoot() {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")), "needs root: the daemon serves root peers only");
    }

    @Test
    void servesTheInheritedSocketStopsWhenIdleAndLeavesTheSocketForTheNextDaemon() throws Exception {
        Path socket = privateDir("run").resolve("cni.sock");
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(socket));
            Daemon first = Daemon.serve(listening, options());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals(FastPathProtocol.ACCEPTED, version(socket).get());
            first.stopWhenIdle(Duration.ofSeconds(1));
            long t0 = System.nanoTime();
            while (listening.isOpen() && System.nanoTime() - t0 < 30_000_000_000L) {
                Thread.sleep(100);
            }
            assertFalse(listening.isOpen(), "stopped when idle");
            first.close();
            assertTrue(Files.exists(socket), "the inherited socket stays");
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("no connection for 1 s, exiting"), log::toString);
        }

        // As systemd does: one socket for the daemon's lifetimes; a call made between two daemons waits in its queue.
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Files.delete(socket);
            listening.bind(UnixDomainSocketAddress.of(socket));
            try (SocketChannel queued = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                queued.write(FastPathProtocol.encode(versionRequest()));
                try (Daemon next = Daemon.serve(listening, options())) {
                    assertEquals(FastPathProtocol.ACCEPTED, readReply(queued).get());
                }
            }
        }
    }

    @Test
    void anInheritedSocketInALooseDirectoryIsRefused() throws IOException {
        Path dir = tmp.resolve("loose");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(dir.resolve("cni.sock")));
            IOException e = assertThrows(IOException.class, () -> Daemon.serve(listening, options()));
            assertTrue(e.getMessage().contains("0700"), e.getMessage());
        }
    }

    private Daemon.Options options() {
        return new Daemon.Options(
                Path.of("/unused"),
                4,
                new PrintStream(log, true, StandardCharsets.UTF_8),
                null,
                false,
                RequestObserver.NONE);
    }

    private Path privateDir(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    private static Request versionRequest() {
        Namespaces own = Namespaces.ofCurrentThread();
        return new Request(
                own.net(),
                own.mnt(),
                "loopback",
                Map.of("CNI_COMMAND", "VERSION"),
                "{\"cniVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuffer version(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(FastPathProtocol.encode(versionRequest()));
            return readReply(ch);
        }
    }

    private static ByteBuffer readReply(SocketChannel ch) throws IOException {
        ByteBuffer reply = ByteBuffer.allocate(1 << 16);
        while (ch.read(reply) >= 0) {
            // until the daemon closes
        }
        return reply.flip();
    }
}
