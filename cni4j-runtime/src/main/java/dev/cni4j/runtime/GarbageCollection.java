package dev.cni4j.runtime;

import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One GC of a network, as libcni's GCNetworkList does it: first a full DEL (cached args and
 * capability args) of every cached attachment of this network that is not in the valid set,
 * then, for lists &gt;= 1.1.0, the GC verb to every plugin with the valid set in
 * {@code cni.dev/valid-attachments} (and the legacy duplicate {@code cni.dev/attachments}).
 * Errors do not stop it; they are reported together at the end. Nothing runs with
 * {@code disableGC}.
 */
final class GarbageCollection {
    private final CniRuntime runtime;
    private final NetworkConfigList list;
    private final Set<GcAttachment> valid;
    private final List<CniException> errors = new ArrayList<>();

    GarbageCollection(CniRuntime runtime, NetworkConfigList list, Collection<GcAttachment> valid) {
        this.runtime = runtime;
        this.list = list;
        this.valid = new HashSet<>(valid);
    }

    void run() {
        if (list.disableGC()) {
            return;
        }
        for (CachedAttachment stale : staleAttachments()) {
            try {
                runtime.del(list, stale.runtimeConf());
            } catch (CniException e) {
                errors.add(new CniException(
                        e.code(),
                        "failed to delete stale attachment " + stale.containerId() + " " + stale.ifName() + ": "
                                + e.getMessage(),
                        e.details(),
                        e));
            }
        }
        if (CniVersion.atLeast(list.cniVersion(), CniVersion.V1_1_0)) {
            gcPlugins();
        }
        throwIfFailed();
    }

    /** The cached attachments of this network the caller no longer lists as valid. */
    List<CachedAttachment> staleAttachments() {
        List<CachedAttachment> stale = new ArrayList<>();
        for (CachedAttachment a : runtime.cache().attachments(list.name())) {
            if (!valid.contains(new GcAttachment(a.containerId(), a.ifName()))) {
                stale.add(a);
            }
        }
        return stale;
    }

    private void gcPlugins() {
        List<Object> attachments = new ArrayList<>();
        for (GcAttachment a : valid) {
            attachments.add(a.toJson());
        }
        for (PluginConfig plugin : list.plugins()) {
            JsonObject conf = RequestConfig.forNetwork(list, plugin);
            conf.put("cni.dev/valid-attachments", attachments);
            conf.put("cni.dev/attachments", attachments);
            try {
                runtime.run("GC", plugin, conf, PluginEnvironment.forNetwork("GC", runtime.pluginPath()));
            } catch (CniException e) {
                errors.add(e);
            }
        }
    }

    private void throwIfFailed() {
        if (errors.isEmpty()) {
            return;
        }
        if (errors.size() == 1) {
            throw errors.get(0);
        }
        StringBuilder msg = new StringBuilder();
        for (CniException e : errors) {
            msg.append(msg.isEmpty() ? "" : "; ").append(e.getMessage());
        }
        CniException joined = new CniException(ErrorCode.INTERNAL, msg.toString());
        errors.forEach(joined::addSuppressed);
        throw joined;
    }
}
