package dev.cni4j.plugins;

import dev.cni4j.plugins.common.Killpoint;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;

/**
 * The standalone executable's main: {@code dist/lib/standalone/<type>} launchers call it with the
 * plugin type name as the first argument.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("--list")) {
            System.out.println(String.join("\n", Plugins.TYPES));
            return;
        }
        Plugin plugin = args.length == 1 ? Plugins.byType(args[0]) : null;
        if (plugin == null) {
            System.err.println("usage: Main <plugin type>, one of " + Plugins.TYPES);
            System.exit(2);
        }
        Killpoint.arm(System.getenv(Killpoint.ENV));
        PluginMain.main(plugin, Plugins.IN_PROCESS);
    }
}
