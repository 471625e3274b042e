package dev.cni4j.daemon;

import dev.cni4j.daemon.FastPathProtocol.ProtocolException;
import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.daemon.RequestObserver.Decline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;

/**
 * The read phase of every connection on one thread: a selector reads the requests of all
 * connections at once, non-blocking, each within its deadline, and hands a complete request to
 * {@code onRequest} (which gives it a thread of its own). So a client that connects and sends
 * nothing costs a file descriptor and a few bytes until its deadline, not a thread: a thousand
 * idle connections do not make a thousand threads, and a real call is still read and served.
 *
 * <p>Bounded: at most {@link #MAX_PENDING} connections being read and {@link #MAX_BODY_BYTES} of
 * request bodies being filled at once; beyond that a connection is declined (its launcher runs
 * the standalone plugin).
 */
final class RequestReader implements AutoCloseable {
    static final int MAX_PENDING = 4096;
    static final long MAX_BODY_BYTES = 64L << 20;

    /** One connection being read. */
    private static final class Pending {
        final SocketChannel channel;
        final long deadline;
        final ByteBuffer header = ByteBuffer.allocate(FastPathProtocol.HEADER);
        ByteBuffer body;
        Request request;

        Pending(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }
    }

    private final Selector selector;
    private final Duration timeout;
    private final BiConsumer<SocketChannel, Request> onRequest;
    private final Decliner decliner;
    private final PrintStream log;
    private final Queue<Pending> incoming = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final List<Pending> complete = new ArrayList<>();
    private volatile boolean closed;
    private int pending;
    private long bodyBytes;

    /** How a connection is declined (and the decline counted). */
    interface Decliner {
        void decline(SocketChannel client, Decline reason, String why);
    }

    RequestReader(Duration timeout, BiConsumer<SocketChannel, Request> onRequest, Decliner decliner, PrintStream log)
            throws IOException {
        this.selector = Selector.open();
        this.timeout = timeout;
        this.onRequest = onRequest;
        this.decliner = decliner;
        this.log = log;
        this.thread = Thread.ofPlatform().name("cni4j-read").daemon().unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    /**
     * Takes over an accepted connection (blocking mode); returns at once. A request already there
     * in full (the launcher sends it right after connecting, so usually it is) goes straight to
     * {@code onRequest} from the calling thread, without a turn through the selector's thread
     * (~0.1 ms per call here: one thread wakeup fewer); the rest is read by the selector.
     */
    void read(SocketChannel client) {
        Pending p = new Pending(client, System.nanoTime() + timeout.toNanos());
        try {
            client.configureBlocking(false);
            if (client.read(p.header) >= 0 && !p.header.hasRemaining()) {
                int length = FastPathProtocol.bodyLength(p.header);
                if (length <= MAX_BODY_BYTES / 64) { // a large body waits for the selector's budget
                    p.body = ByteBuffer.allocate(length);
                    if (client.read(p.body) >= 0 && !p.body.hasRemaining()) {
                        p.request = FastPathProtocol.decode(p.header.getInt(0), p.body.flip());
                        client.configureBlocking(true);
                        onRequest.accept(client, p.request);
                        return;
                    }
                }
            }
        } catch (ProtocolException e) {
            finish(p, Decline.BAD_REQUEST, e.getMessage());
            return;
        } catch (IOException e) {
            log.println("cni4j-daemon: connection: " + e.getMessage());
            closeQuietly(client);
            return;
        }
        incoming.add(p); // partly read: the selector goes on where this left off
        selector.wakeup();
    }

    private void loop() {
        try {
            while (!closed) {
                register();
                selector.select(this::onReadable, nextWait());
                handOff();
                expire();
            }
        } catch (ClosedSelectorException e) {
            // closed: the daemon stops
        } catch (IOException | RuntimeException e) {
            log.println("cni4j-daemon: reader stopped: " + e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(((Pending) key.attachment()).channel);
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            for (Pending p; (p = incoming.poll()) != null; ) {
                closeQuietly(p.channel);
            }
        }
    }

    /** Gives every complete request its thread, its channel back in blocking mode. */
    private void handOff() throws IOException {
        if (complete.isEmpty()) {
            return;
        }
        selector.selectNow(key -> {}); // deregisters the cancelled keys; readiness is reported again later
        for (Pending p : complete) {
            try {
                p.channel.configureBlocking(true);
                onRequest.accept(p.channel, p.request);
            } catch (IOException | RuntimeException e) {
                log.println("cni4j-daemon: connection: " + e.getMessage());
                closeQuietly(p.channel);
            }
        }
        complete.clear();
    }

    private void register() {
        for (Pending p; (p = incoming.poll()) != null; ) {
            if (pending >= MAX_PENDING) {
                finish(p, Decline.BUSY, "busy: " + MAX_PENDING + " connections are being read");
                continue;
            }
            if (p.body != null && bodyBytes + p.body.capacity() > MAX_BODY_BYTES) {
                finish(p, Decline.BUSY, "busy: " + (MAX_BODY_BYTES >> 20) + " MiB of requests are being read");
                continue;
            }
            try {
                p.channel.configureBlocking(false);
                p.channel.register(selector, SelectionKey.OP_READ, p);
                pending++;
                if (p.body != null) { // allocated by read() before the request was all there
                    bodyBytes += p.body.capacity();
                }
            } catch (IOException e) {
                closeQuietly(p.channel);
            }
        }
    }

    private long nextWait() {
        long now = System.nanoTime();
        long wait = timeout.toMillis();
        for (SelectionKey key : selector.keys()) {
            long left = (((Pending) key.attachment()).deadline - now) / 1_000_000;
            wait = Math.min(wait, left);
        }
        return Math.max(1, wait);
    }

    private void onReadable(SelectionKey key) {
        Pending p = (Pending) key.attachment();
        try {
            if (p.body == null) {
                if (p.channel.read(p.header) < 0) {
                    drop(key, p, null);
                    return;
                }
                if (p.header.hasRemaining()) {
                    return;
                }
                int length = FastPathProtocol.bodyLength(p.header);
                if (bodyBytes + length > MAX_BODY_BYTES) {
                    drop(key, p, Decline.BUSY);
                    return;
                }
                bodyBytes += length;
                p.body = ByteBuffer.allocate(length);
            }
            if (p.body.hasRemaining() && p.channel.read(p.body) < 0) {
                drop(key, p, null);
                return;
            }
            if (p.body.hasRemaining()) {
                return;
            }
            p.request = FastPathProtocol.decode(p.header.getInt(0), p.body.flip());
            forget(key, p);
            complete.add(p); // handed off once the selector has let go of the channel
        } catch (ProtocolException e) {
            forget(key, p);
            finish(p, Decline.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            forget(key, p);
            log.println("cni4j-daemon: connection: " + e.getMessage());
            closeQuietly(p.channel);
        }
    }

    /** Closes the connections whose request did not arrive in time. */
    private void expire() {
        long now = System.nanoTime();
        List<SelectionKey> late = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && ((Pending) key.attachment()).deadline - now <= 0) {
                late.add(key);
            }
        }
        for (SelectionKey key : late) {
            forget(key, (Pending) key.attachment());
            closeQuietly(((Pending) key.attachment()).channel);
            log.println("cni4j-daemon: dropped a client that sent no request within " + timeout.toSeconds() + " s");
        }
    }

    private void drop(SelectionKey key, Pending p, Decline reason) {
        forget(key, p);
        if (reason == null) {
            closeQuietly(p.channel); // closed before sending a whole request: nothing to answer
        } else {
            finish(p, reason, "busy: " + (MAX_BODY_BYTES >> 20) + " MiB of requests are being read");
        }
    }

    private void forget(SelectionKey key, Pending p) {
        if (key.isValid()) {
            key.cancel();
            pending--;
            if (p.body != null) {
                bodyBytes -= p.body.capacity();
            }
        }
    }

    /** Declines (a one-byte write, which a fresh socket's buffer always takes) and closes. */
    private void finish(Pending p, Decline reason, String why) {
        decliner.decline(p.channel, reason, why);
        closeQuietly(p.channel);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is all we can do
        }
    }

    /** Stops reading; the reader closes every connection not read yet. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
