package dev.cni4j.plugins.hostlocal;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Drives host-local in-process through {@link PluginMain#run}, exactly as the executable does. */
final class Cni {
    /** What one invocation printed and returned. */
    record Outcome(int exit, String stdout, String stderr) {
        JsonObject json() {
            return Json.parseObject(stdout);
        }

        long code() {
            return json().integer("code", 0);
        }

        String msg() {
            return json().string("msg", "");
        }

        boolean ok() {
            return exit == 0;
        }
    }

    private Cni() {}

    static Outcome run(
            Plugin plugin,
            String command,
            String config,
            String containerId,
            String ifname,
            Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_IFNAME", ifname);
        env.put("CNI_PATH", "/opt/cni/bin");
        if (!command.equals("DEL")) {
            env.put("CNI_NETNS", "/var/run/netns/test"); // DEL must work without it
        }
        env.putAll(extraEnv);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                plugin,
                env,
                new ByteArrayInputStream(config.getBytes(StandardCharsets.UTF_8)),
                out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Outcome run(String command, String config, String containerId, String ifname) {
        return run(new HostLocal(), command, config, containerId, ifname, Map.of());
    }

    /** A main plugin's config with {@code ipamBody} (the inside of the ipam object) and the data dir. */
    static String config(String version, Path dataDir, String ipamBody) {
        return """
                {"cniVersion": "%s", "name": "mynet", "type": "bridge", "bridge": "cni0",
                 "ipam": {"type": "host-local", "dataDir": "%s", %s}}
                """.formatted(version, dataDir, ipamBody);
    }
}
