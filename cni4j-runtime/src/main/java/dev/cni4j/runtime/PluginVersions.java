package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** VERSION probing and libcni's ValidateNetworkList. */
final class PluginVersions {
    private PluginVersions() {}

    /** Runs VERSION as libcni does: stdin {@code {"cniVersion":"1.1.0"}}, dummy container variables. */
    static VersionInfo probe(PluginExec exec, Path plugin) {
        byte[] stdin = ("{\"cniVersion\":\"" + CniVersion.CURRENT + "\"}").getBytes(StandardCharsets.UTF_8);
        try {
            return VersionInfo.decode(exec.exec(plugin, stdin, PluginEnvironment.forVersion()));
        } catch (CniException e) {
            // A plugin from before VERSION existed rejects the verb: it speaks 0.1.0 only.
            if ("unknown CNI_COMMAND: VERSION".equals(e.msg())) {
                return VersionInfo.legacy();
            }
            throw e;
        }
    }

    /** Every plugin must exist and list the list's version; all failures are reported together. */
    static List<String> validate(CniRuntime runtime, NetworkConfigList list) {
        List<String> errors = new ArrayList<>();
        TreeSet<String> caps = new TreeSet<>();
        for (PluginConfig plugin : list.plugins()) {
            try {
                if (!runtime.version(plugin.type()).supports(list.cniVersion())) {
                    errors.add("plugin " + plugin.type() + " does not support config version \"" + list.cniVersion()
                            + "\"");
                }
            } catch (CniException e) {
                errors.add(e.getMessage());
            }
            plugin.capabilities().forEach((cap, on) -> {
                if (on) {
                    caps.add(cap);
                }
            });
        }
        if (!errors.isEmpty()) {
            throw new CniException(ErrorCode.INCOMPATIBLE_VERSION, String.join("; ", errors));
        }
        return List.copyOf(caps);
    }
}
