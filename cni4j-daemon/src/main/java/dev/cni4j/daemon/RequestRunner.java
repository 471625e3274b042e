package dev.cni4j.daemon;

import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.daemon.RequestObserver.Decline;
import dev.cni4j.linux.NetNs;
import dev.cni4j.plugins.Plugins;
import dev.cni4j.skel.Invocation;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Admits a connection (its peer must be root), then, once {@link RequestReader} has read its
 * request, serves it on the calling (platform) thread: declines what it must not run, otherwise
 * accepts, runs the plugin through {@link PluginMain} and replies. The plugin always runs to the end: a
 * client that went away only loses the reply.
 */
final class RequestRunner {
    private final Namespaces own;
    private final NetNs nodeNetns;
    private final boolean otherMountNamespaces;
    private final UserPrincipal root;
    private final Semaphore slots;
    private final ScheduledExecutorService timeouts;
    private final PrintStream log;
    private final RequestObserver observer;

    RequestRunner(
            Namespaces own,
            NetNs nodeNetns,
            boolean otherMountNamespaces,
            UserPrincipal root,
            Semaphore slots,
            ScheduledExecutorService timeouts,
            PrintStream log,
            RequestObserver observer) {
        this.own = own;
        this.nodeNetns = nodeNetns;
        this.otherMountNamespaces = otherMountNamespaces;
        this.root = root;
        this.slots = slots;
        this.timeouts = timeouts;
        this.log = log;
        this.observer = observer;
    }

    /**
     * Whether the peer of a just accepted connection may send a request (it is root); if not,
     * it is declined and closed.
     */
    boolean admit(SocketChannel client) {
        try {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (root.equals(peer.user())) {
                return true;
            }
            decline(client, Decline.NOT_ROOT, "peer " + peer.user().getName() + " is not root");
        } catch (IOException e) {
            log.println("cni4j-daemon: connection: " + e.getMessage());
        }
        try {
            client.close();
        } catch (IOException ignored) {
            // closing is all we can do
        }
        return false;
    }

    /** Serves a request {@link RequestReader} read from an admitted client, then closes the connection. */
    void serve(SocketChannel client, Request request) {
        try (client) {
            Invocation invocation = locate(request);
            if (invocation == null) {
                decline(client, Decline.OTHER_NAMESPACE, "client in another network or mount namespace");
                return;
            }
            Plugin plugin = Plugins.byType(request.type());
            if (plugin == null) {
                decline(client, Decline.UNKNOWN_TYPE, "unknown plugin type \"" + request.type() + "\"");
                return;
            }
            if (!slots.tryAcquire()) {
                decline(client, Decline.BUSY, "busy");
                return;
            }
            try {
                // Only after 'A' reached the socket may the plugin run: before it, the launcher
                // is free to fall back, and the operation must not happen twice.
                client.write(ByteBuffer.wrap(new byte[] {FastPathProtocol.ACCEPTED}));
                run(client, plugin, request, invocation);
            } finally {
                slots.release();
            }
        } catch (IOException e) {
            log.println("cni4j-daemon: connection: " + e.getMessage());
        } catch (RuntimeException e) {
            log.println("cni4j-daemon: request failed: " + e);
        }
    }

    /**
     * How this request is run, or null if the client is not one this daemon serves: CNI_NETNS
     * opened as given (same mount namespace), or, for a client in another mount namespace (served
     * only when allowed and when its pid is verifiably the launcher's), through the launcher's fd
     * on it, or nowhere when the launcher could not open it.
     */
    private Invocation locate(Request request) {
        if (!own.net().equals(request.netns())) {
            return null;
        }
        if (own.mnt().equals(request.mntns())) {
            return Plugins.IN_PROCESS;
        }
        if (!otherMountNamespaces || !Namespaces.processIsIn(request.pid(), request.netns(), request.mntns())) {
            return null;
        }
        String netns = request.env().getOrDefault("CNI_NETNS", "");
        if (netns.isEmpty()) {
            return Plugins.IN_PROCESS;
        }
        return Plugins.IN_PROCESS.relocatingNetns(
                request.netnsFd() < 0 ? null : Path.of("/proc/" + request.pid() + "/fd/" + request.netnsFd()));
    }

    private void run(SocketChannel client, Plugin plugin, Request request, Invocation invocation) {
        long t0 = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            Supplier<Integer> call = () -> PluginMain.run(
                    plugin, request.env(), new ByteArrayInputStream(request.stdin()), out, errStream, invocation);
            exit = nodeNetns == null ? call.get() : nodeNetns.run(call::get);
        }
        observer.beforeReply(request.type(), request.env(), out.toByteArray(), exit);
        String command = request.env().getOrDefault("CNI_COMMAND", "");
        String what = request.type() + " " + command + " " + request.env().getOrDefault("CNI_CONTAINERID", "");
        long nanos = System.nanoTime() - t0;
        observer.served(request.type(), command, exit, nanos);
        // Logged before replying: once the launcher has its answer, the daemon may be stopped.
        log.printf("cni4j-daemon: served %s exit=%d %.1f ms%n", what, exit, nanos / 1e6);
        ScheduledFuture<?> deadline = closeAfter(client, Daemon.IO_TIMEOUT); // a client that stops reading
        try {
            write(client, FastPathProtocol.result(exit, out.toByteArray(), err.toByteArray()));
        } catch (IOException e) {
            log.printf("cni4j-daemon: client gone, result of %s dropped (%s)%n", what, e.getMessage());
        } finally {
            deadline.cancel(false);
        }
    }

    /** Blocking channels have no timeouts: a timer closes the channel, which fails a blocked read or write. */
    private ScheduledFuture<?> closeAfter(SocketChannel client, Duration timeout) {
        return timeouts.schedule(
                () -> {
                    try {
                        client.close();
                    } catch (IOException ignored) {
                        // closing is all we can do
                    }
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void decline(SocketChannel client, Decline reason, String why) {
        observer.declined(reason);
        log.println("cni4j-daemon: declined: " + why);
        try {
            client.write(ByteBuffer.wrap(new byte[] {FastPathProtocol.DECLINED}));
        } catch (IOException ignored) {
            // the launcher falls back on a closed connection too
        }
    }

    private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
