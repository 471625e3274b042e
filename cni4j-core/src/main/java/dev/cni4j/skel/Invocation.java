package dev.cni4j.skel;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * What the host of a plugin call gives the plugin beyond the CNI environment, explicitly: our
 * plugins that a delegation may run in-process, and where the pod's network namespace is really
 * opened. {@link PluginMain} puts it into the {@link Request}; plugins read it there.
 *
 * @param ownPlugins     our in-process plugin for a type name, or null (used by {@link Delegate}
 *                       only when the executable it finds is one of our launchers)
 * @param netnsRelocated whether {@code CNI_NETNS} names a path the host cannot see (a fast-path
 *                       caller in another mount namespace), so {@code relocatedNetns} is opened
 *                       instead; results and errors keep naming the caller's path
 * @param relocatedNetns the same namespace through the caller's open fd
 *                       ({@code /proc/<pid>/fd/<n>}), or null when the caller could not open it
 *                       (the namespace then counts as absent)
 */
public record Invocation(Function<String, Plugin> ownPlugins, boolean netnsRelocated, Path relocatedNetns) {

    /** A standalone process or a test: no in-process plugins, {@code CNI_NETNS} opened as given. */
    public static final Invocation STANDALONE = new Invocation(type -> null, false, null);

    public Invocation {
        if (ownPlugins == null) {
            throw new IllegalArgumentException("ownPlugins must not be null (use type -> null)");
        }
    }

    /** Our plugins run in-process by delegation, {@code CNI_NETNS} opened as given. */
    public static Invocation withOwnPlugins(Function<String, Plugin> ownPlugins) {
        return new Invocation(ownPlugins, false, null);
    }

    /** This invocation with {@code CNI_NETNS} opened at {@code actual} (null: the caller could not open it). */
    public Invocation relocatingNetns(Path actual) {
        return new Invocation(ownPlugins, true, actual);
    }
}
