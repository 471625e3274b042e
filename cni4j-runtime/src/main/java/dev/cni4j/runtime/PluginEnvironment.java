package dev.cni4j.runtime;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code CNI_*} variables for one plugin call. Like libcni, all six are always set (empty
 * where they do not apply) so nothing leaks in from the runtime's own environment.
 */
final class PluginEnvironment {
    private PluginEnvironment() {}

    static Map<String, String> forAttachment(String command, RuntimeConf rt, List<Path> pluginPath) {
        return env(
                command,
                rt.containerId(),
                rt.netns(),
                rt.ifName(),
                rt.cniArgsString(),
                PluginLocator.joinPath(pluginPath));
    }

    /** GC and STATUS have no attachment parameters. */
    static Map<String, String> forNetwork(String command, List<Path> pluginPath) {
        return env(command, "", "", "", "", PluginLocator.joinPath(pluginPath));
    }

    /** libcni fills the fields old plugins insist on with "dummy" for VERSION. */
    static Map<String, String> forVersion() {
        return env("VERSION", "", "dummy", "dummy", "", "dummy");
    }

    private static Map<String, String> env(
            String command, String containerId, String netns, String ifName, String args, String path) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId == null ? "" : containerId);
        env.put("CNI_NETNS", netns == null ? "" : netns);
        env.put("CNI_IFNAME", ifName == null ? "" : ifName);
        env.put("CNI_ARGS", args);
        env.put("CNI_PATH", path);
        return env;
    }
}
