package dev.cni4j.plugins.bandwidth;

import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs a plugin instance in-process through {@link PluginMain} (the executables' path), for
 * plugins the dispatcher does not list yet.
 */
public final class InProcess {
    private InProcess() {}

    public static Outcome run(
            Supplier<Plugin> plugin, String command, String containerId, String netns, String ifname, String stdin) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", ifname);
        env.put("CNI_PATH", "/nonexistent");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                plugin.get(),
                env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
