package dev.cni4j.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.List;
import java.util.function.Consumer;

/**
 * A shared informer on Nodes (list + watch, periodic resync) whose cache is the reconciler's
 * desired state. Any event only signals "something changed": the reconciler always recomputes
 * from the whole cache, so a missed or reordered event cannot leave a wrong route behind.
 * API errors (also at start, when the server is unreachable) are reported and retried forever.
 */
public final class NodeWatcher implements AutoCloseable {
    private final SharedIndexInformer<Node> informer;

    /**
     * @param onChange called (on the informer's thread) after any add, update, delete or resync
     * @param onError  called with each API error; the informer keeps retrying
     */
    public NodeWatcher(KubernetesClient client, long resyncMillis, Runnable onChange, Consumer<Throwable> onError) {
        informer = client.nodes().runnableInformer(resyncMillis);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override public void onAdd(Node n) { onChange.run(); }
            @Override public void onUpdate(Node old, Node n) { onChange.run(); }
            @Override public void onDelete(Node n, boolean unknownFinalState) { onChange.run(); }
        });
        informer.exceptionHandler((started, t) -> {
            onError.accept(t);
            return true; // never give up: a crash loop would not bring the API back sooner
        });
    }

    /** Starts list + watch in the background; does not wait for the API. */
    public java.util.concurrent.CompletionStage<Void> start() {
        return informer.start();
    }

    public boolean synced() {
        return informer.hasSynced();
    }

    /** The cached Nodes. */
    public List<Node> nodes() {
        return informer.getStore().list();
    }

    @Override
    public void close() {
        informer.stop();
    }
}
