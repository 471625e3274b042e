package dev.cni4j.agent.api;

import dev.cni4j.agent.serve.JsonLog;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Publishes this node's VTEP MAC and underlay address as annotations on its own Node (a JSON
 * merge patch, no read-modify-write of ours), and only when the cached object differs, so the
 * update event it causes does not lead to another patch. RBAC: "patch", and "get" too: fabric8's
 * patch reads the Node before it sends the PATCH (see {@link ApiAccess}).
 */
public final class NodeAnnotator {
    private final Supplier<KubernetesClient> client;

    /** @param client the agent's current client (replaced when its connections may be dead) */
    public NodeAnnotator(Supplier<KubernetesClient> client) {
        this.client = client;
    }

    /** Returns true when a patch was sent. */
    public boolean ensure(Node cached, Map<String, String> wanted) {
        Map<String, String> have = cached.getMetadata().getAnnotations();
        boolean same = true;
        for (var e : wanted.entrySet()) {
            if (have == null || !e.getValue().equals(have.get(e.getKey()))) {
                same = false;
            }
        }
        if (same) {
            return false;
        }
        StringBuilder json = new StringBuilder("{\"metadata\":{\"annotations\":{");
        String sep = "";
        for (var e : wanted.entrySet()) {
            json.append(sep);
            JsonLog.quote(json, e.getKey()).append(':');
            JsonLog.quote(json, e.getValue());
            sep = ",";
        }
        json.append("}}}");
        client.get()
                .nodes()
                .withName(cached.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), json.toString());
        return true;
    }
}
