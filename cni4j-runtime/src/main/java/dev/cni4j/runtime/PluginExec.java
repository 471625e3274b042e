package dev.cni4j.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How the runtime runs a plugin: find it by {@code type}, then feed it the request config on
 * stdin and the {@code CNI_*} variables in its environment. {@link ProcessPluginExec} forks
 * real executables; an in-process implementation can map types to plugin objects instead.
 * Implementations must be thread-safe.
 */
public interface PluginExec {

    /**
     * The plugin executable for {@code type}; fails with libcni's
     * {@code failed to find plugin "X" in path [...]} when there is none.
     */
    default Path find(String type, List<Path> searchPath) {
        return PluginLocator.find(type, searchPath);
    }

    /**
     * Runs {@code plugin} and returns its stdout. A failure (non-zero exit, timeout, exec error)
     * is a {@link dev.cni4j.spec.CniException}: the plugin's own error JSON when it printed one.
     *
     * @param cniEnv the {@code CNI_*} variables; implementations add them to the inherited environment
     */
    byte[] exec(Path plugin, byte[] stdin, Map<String, String> cniEnv);
}
