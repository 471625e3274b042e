package dev.cni4j.plugins;

import dev.cni4j.plugins.bandwidth.Bandwidth;
import dev.cni4j.plugins.bridge.BridgePlugin;
import dev.cni4j.plugins.common.Killpoint;
import dev.cni4j.plugins.hostlocal.HostLocal;
import dev.cni4j.plugins.loopback.Loopback;
import dev.cni4j.plugins.portmap.Portmap;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;
import java.util.List;

/**
 * The executable's main: {@code dist/bin/<type>} launchers call it with the plugin type name as
 * the first argument. A switch rather than a registry keeps start-up to the one plugin class that
 * runs.
 */
public final class Main {
    /** Type names with a launcher in {@code dist/bin}. */
    public static final List<String> TYPES = List.of("loopback", "bridge", "host-local", "portmap", "bandwidth");

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("--list")) {
            System.out.println(String.join("\n", TYPES));
            return;
        }
        Plugin plugin = args.length == 1 ? plugin(args[0]) : null;
        if (plugin == null) {
            System.err.println("usage: Main <plugin type>, one of " + TYPES);
            System.exit(2);
        }
        Killpoint.arm(System.getenv(Killpoint.ENV));
        PluginMain.main(plugin);
    }

    /** A new instance of the plugin with this type name, or null. */
    public static Plugin plugin(String type) {
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
