package dev.cni4j.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A network configuration (the spec's "network configuration list"): name, the selected
 * {@code cniVersion}, the flags, and the plugin chain. {@link #bytes()} are the original file
 * bytes (or libcni's up-converted list for a single-plugin file); they go into the result cache
 * so another runtime can tear the attachment down with the config it was added with.
 */
public record NetworkConfigList(
        String name,
        String cniVersion,
        boolean disableCheck,
        boolean disableGC,
        boolean loadOnlyInlinedPlugins,
        List<PluginConfig> plugins,
        byte[] bytes,
        Path source) {

    public NetworkConfigList {
        plugins = List.copyOf(plugins);
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    // Records compare arrays by identity; a list is a value, so compare the bytes.
    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkConfigList l
                && name.equals(l.name)
                && cniVersion.equals(l.cniVersion)
                && disableCheck == l.disableCheck
                && disableGC == l.disableGC
                && loadOnlyInlinedPlugins == l.loadOnlyInlinedPlugins
                && plugins.equals(l.plugins)
                && Arrays.equals(bytes, l.bytes)
                && Objects.equals(source, l.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, cniVersion, Arrays.hashCode(bytes), source);
    }

    /** This list with {@code extra} plugins appended (non-inlined plugins from the conf dir). */
    public NetworkConfigList withAppendedPlugins(List<PluginConfig> extra) {
        List<PluginConfig> all = new ArrayList<>(plugins);
        all.addAll(extra);
        return new NetworkConfigList(
                name, cniVersion, disableCheck, disableGC, loadOnlyInlinedPlugins, all, bytes, source);
    }

    /** The same list remembered as loaded from {@code file}. */
    public NetworkConfigList withSource(Path file) {
        return new NetworkConfigList(
                name, cniVersion, disableCheck, disableGC, loadOnlyInlinedPlugins, plugins, bytes, file);
    }

    @Override
    public String toString() {
        return "network \"" + name + "\" (cniVersion " + cniVersion + ", " + plugins + ")";
    }
}
