package dev.cni4j.skel;

import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.Result;
import java.util.List;

/**
 * A CNI plugin: only handlers. {@link PluginMain} reads the environment, negotiates and gates the
 * version, prints results and errors; a plugin never parses env vars, prints or exits.
 * Handlers signal failure by throwing {@link dev.cni4j.spec.CniException}.
 */
public interface Plugin {
    /** The plugin's type name, e.g. {@code loopback}. */
    String name();

    /** Spec versions this plugin accepts in configs. */
    default List<String> supportedVersions() {
        return CniVersion.ALL;
    }

    /** ADD: returns the result in the newest shape; the entry point converts it. */
    Result add(Request request);

    /** DEL: must succeed when what it would remove is already gone. */
    void del(Request request);

    /** CHECK: throws when the attachment is not as {@code prevResult} says. */
    void check(Request request);

    /** GC (1.1.0): removes resources of attachments not in the valid set. */
    default void gc(Request request) {}

    /** STATUS (1.1.0): throws code 50/51 when the plugin cannot serve ADDs. */
    default void status(Request request) {}
}
