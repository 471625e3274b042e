package dev.cni4j.agent.api;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A shared informer on Nodes (list + watch, periodic resync) whose cache is the reconciler's
 * desired state. Any event only signals "something changed": the reconciler always recomputes
 * from the whole cache, so a missed or reordered event cannot leave a wrong route behind.
 * API errors (also at start, when the server is unreachable) are reported and retried forever.
 * <p>
 * A watch can die without an error: its TCP connection was opened from a local address that has
 * since gone, and nothing is ever sent on it again. {@link #restart} replaces the informer (a new
 * list, a new watch on a new connection); {@link #silentNanos} says how long the server has sent
 * nothing (no event, no bookmark), which is what the agent's watch check looks at.
 */
public final class NodeWatcher implements AutoCloseable {
    private final Supplier<KubernetesClient> client;
    private final long resyncMillis;
    private final Runnable onChange;
    private final Consumer<Throwable> onError;
    private volatile SharedIndexInformer<Node> informer;
    private volatile boolean closed;
    // the resource version last seen and when it was first seen: events and bookmarks move it
    private String lastVersion;
    private long lastVersionNanos = System.nanoTime();

    /**
     * @param client   the client each new informer is made with (the agent replaces it when its
     *                 pooled connections may be dead)
     * @param onChange called (on the informer's thread) after any add, update, delete or resync
     * @param onError  called with each API error the informer sees; it keeps retrying
     */
    public NodeWatcher(
            Supplier<KubernetesClient> client, long resyncMillis, Runnable onChange, Consumer<Throwable> onError) {
        this.client = client;
        this.resyncMillis = resyncMillis;
        this.onChange = onChange;
        this.onError = onError;
        this.informer = newInformer();
    }

    private SharedIndexInformer<Node> newInformer() {
        SharedIndexInformer<Node> i = client.get().nodes().runnableInformer(resyncMillis);
        i.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                onChange.run();
            }

            @Override
            public void onUpdate(Node old, Node n) {
                onChange.run();
            }

            @Override
            public void onDelete(Node n, boolean unknownFinalState) {
                onChange.run();
            }
        });
        i.exceptionHandler((started, t) -> {
            onError.accept(t);
            return true; // never give up: a crash loop would not bring the API back sooner
        });
        return i;
    }

    /** Starts list + watch in the background; does not wait for the API. */
    public CompletionStage<Void> start() {
        return informer.start();
    }

    /**
     * Drops the informer and its watch and starts a new one (a fresh list and watch); the cache is
     * empty, so {@link #synced} is false, until the new list arrives.
     */
    public synchronized CompletionStage<Void> restart() {
        SharedIndexInformer<Node> old = informer;
        informer = newInformer();
        old.stop();
        lastVersion = null;
        lastVersionNanos = System.nanoTime();
        return closed ? java.util.concurrent.CompletableFuture.completedFuture(null) : informer.start();
    }

    public boolean synced() {
        return informer.hasSynced();
    }

    /** True while the informer has a watch open (false while it re-lists or reconnects). */
    public boolean watching() {
        return informer.isWatching();
    }

    /**
     * How long the server has sent nothing that moved the informer's resource version (an event,
     * a bookmark, a list), measured from the first call that saw the current version.
     */
    public synchronized long silentNanos(long nowNanos) {
        String v = informer.lastSyncResourceVersion();
        if (!Objects.equals(v, lastVersion)) {
            lastVersion = v;
            lastVersionNanos = nowNanos;
        }
        return nowNanos - lastVersionNanos;
    }

    /** The cached Nodes. */
    public List<Node> nodes() {
        return informer.getStore().list();
    }

    @Override
    public synchronized void close() {
        closed = true;
        informer.stop();
    }
}
