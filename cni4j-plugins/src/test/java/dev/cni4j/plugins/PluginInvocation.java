package dev.cni4j.plugins;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs a plugin in-process through {@link PluginMain}, the same path as the executables. */
public final class PluginInvocation {
    private final String type;
    private final Map<String, String> env = new HashMap<>();

    public record Outcome(int exit, String stdout, String stderr) {
        public JsonObject json() {
            return Json.parseObject(stdout);
        }

        public Outcome assertSuccess() {
            if (exit != 0) {
                throw new AssertionError("plugin failed: exit " + exit + " stdout " + stdout + " stderr " + stderr);
            }
            return this;
        }
    }

    public PluginInvocation(String type, String command, String containerId, String netns, String ifname) {
        this.type = type;
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", ifname);
        env.put("CNI_PATH", "/nonexistent");
    }

    public PluginInvocation env(String key, String value) {
        if (value == null) {
            env.remove(key);
        } else {
            env.put(key, value);
        }
        return this;
    }

    public Map<String, String> env() {
        return env;
    }

    public Outcome run(String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                Plugins.byType(type),
                env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                out,
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Plugins.IN_PROCESS);
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
