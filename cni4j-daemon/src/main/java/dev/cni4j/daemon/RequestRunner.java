package dev.cni4j.daemon;

import dev.cni4j.daemon.FastPathProtocol.ProtocolException;
import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.plugins.Main;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Serves one connection on the calling (platform) thread: checks the peer, reads the bounded
 * request within {@link Daemon#IO_TIMEOUT}, declines what it must not run, otherwise accepts,
 * runs the plugin through {@link PluginMain} and replies. The plugin always runs to the end: a
 * client that went away only loses the reply.
 */
final class RequestRunner {
    private final Namespaces own;
    private final UserPrincipal root;
    private final Semaphore slots;
    private final ScheduledExecutorService timeouts;
    private final PrintStream log;

    RequestRunner(Namespaces own, UserPrincipal root, Semaphore slots, ScheduledExecutorService timeouts, PrintStream log) {
        this.own = own;
        this.root = root;
        this.slots = slots;
        this.timeouts = timeouts;
        this.log = log;
    }

    void serve(SocketChannel client) {
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!root.equals(peer.user())) {
                decline(client, "peer " + peer.user().getName() + " is not root");
                return;
            }
            Request request;
            try {
                request = read(client);
            } catch (ProtocolException e) {
                decline(client, e.getMessage());
                return;
            }
            if (request == null) {
                return; // timed out or closed: nothing to answer
            }
            if (!own.serves(request.netns(), request.mntns())) {
                decline(client, "client in another network or mount namespace");
                return;
            }
            Plugin plugin = Main.plugin(request.type());
            if (plugin == null) {
                decline(client, "unknown plugin type \"" + request.type() + "\"");
                return;
            }
            if (!slots.tryAcquire()) {
                decline(client, "busy");
                return;
            }
            try {
                // Only after 'A' reached the socket may the plugin run: before it, the launcher
                // is free to fall back, and the operation must not happen twice.
                client.write(ByteBuffer.wrap(new byte[] {FastPathProtocol.ACCEPTED}));
                run(client, plugin, request);
            } finally {
                slots.release();
            }
        } catch (IOException e) {
            log.println("cni4j-daemon: connection: " + e.getMessage());
        } catch (RuntimeException e) {
            log.println("cni4j-daemon: request failed: " + e);
        }
    }

    private void run(SocketChannel client, Plugin plugin, Request request) {
        long t0 = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = PluginMain.run(plugin, request.env(), new ByteArrayInputStream(request.stdin()), out, errStream);
        }
        String what = request.type() + " " + request.env().getOrDefault("CNI_COMMAND", "") + " "
                + request.env().getOrDefault("CNI_CONTAINERID", "");
        // Logged before replying: once the launcher has its answer, the daemon may be stopped.
        log.printf("cni4j-daemon: served %s exit=%d %.1f ms%n", what, exit, (System.nanoTime() - t0) / 1e6);
        ScheduledFuture<?> deadline = closeAfter(client, Daemon.IO_TIMEOUT); // a client that stops reading
        try {
            write(client, FastPathProtocol.result(exit, out.toByteArray(), err.toByteArray()));
        } catch (IOException e) {
            log.printf("cni4j-daemon: client gone, result of %s dropped (%s)%n", what, e.getMessage());
        } finally {
            deadline.cancel(false);
        }
    }

    /** The request, null if the client closed or timed out, or ProtocolException if it is malformed. */
    private Request read(SocketChannel client) throws IOException {
        ScheduledFuture<?> deadline = closeAfter(client, Daemon.IO_TIMEOUT);
        try {
            ByteBuffer header = ByteBuffer.allocate(FastPathProtocol.HEADER);
            if (!readFully(client, header)) {
                return null;
            }
            ByteBuffer body = ByteBuffer.allocate(FastPathProtocol.bodyLength(header));
            if (!readFully(client, body)) {
                return null;
            }
            return FastPathProtocol.decode(body.flip());
        } catch (IOException e) {
            if (!client.isOpen()) {
                log.println("cni4j-daemon: dropped a client that sent no request within " + Daemon.IO_TIMEOUT.toSeconds() + " s");
                return null;
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    /** Blocking channels have no timeouts: a timer closes the channel, which fails a blocked read or write. */
    private ScheduledFuture<?> closeAfter(SocketChannel client, Duration timeout) {
        return timeouts.schedule(() -> {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing is all we can do
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void decline(SocketChannel client, String why) {
        log.println("cni4j-daemon: declined: " + why);
        try {
            client.write(ByteBuffer.wrap(new byte[] {FastPathProtocol.DECLINED}));
        } catch (IOException ignored) {
            // the launcher falls back on a closed connection too
        }
    }

    private static boolean readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
