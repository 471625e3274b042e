package dev.cni4j.plugins;

import dev.cni4j.plugins.bandwidth.Bandwidth;
import dev.cni4j.plugins.bridge.BridgePlugin;
import dev.cni4j.plugins.hostlocal.HostLocal;
import dev.cni4j.plugins.loopback.Loopback;
import dev.cni4j.plugins.portmap.Portmap;
import dev.cni4j.skel.Invocation;
import dev.cni4j.skel.Plugin;
import java.util.List;

/**
 * Our plugins by type name: what the standalone {@link Main}, the fast-path daemon and the AOT
 * training run, and what a delegation (bridge's IPAM) may run in-process. A switch rather than a
 * map of instances keeps start-up to the one plugin class that runs.
 */
public final class Plugins {
    /** Type names with a launcher in {@code dist/bin}. */
    public static final List<String> TYPES = List.of("loopback", "bridge", "host-local", "portmap", "bandwidth");

    /** A call hosted with our plugins available in-process, {@code CNI_NETNS} opened as given. */
    public static final Invocation IN_PROCESS = Invocation.withOwnPlugins(Plugins::byType);

    private Plugins() {}

    /** A new instance of the plugin with this type name, or null. */
    public static Plugin byType(String type) {
        return switch (type) {
            case "loopback" -> new Loopback();
            case "bridge" -> new BridgePlugin();
            case "host-local" -> new HostLocal();
            case "portmap" -> new Portmap();
            case "bandwidth" -> new Bandwidth();
            default -> null;
        };
    }
}
