package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.skel.Names;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.ResultCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs network configuration lists for attachments: what libcni's CNIConfig is to containerd
 * and CRI-O. ADD runs the chain forward threading {@code prevResult} and caches the final result;
 * DEL runs it in reverse handing every plugin the cached result; CHECK, GC, STATUS and VERSION
 * follow libcni too ({@link GarbageCollection} for GC).
 *
 * <p>Thread-safe: it holds only immutable settings, and the cache lives in files. The caller must
 * not run two operations on the same attachment at once, nor GC alongside ADD/DEL (SPEC section 3).
 */
public final class CniRuntime {
    private final List<Path> pluginPath;
    private final PluginExec exec;
    private final ResultCache cache;

    public CniRuntime(List<Path> pluginPath, PluginExec exec, ResultCache cache) {
        this.pluginPath = List.copyOf(pluginPath);
        this.exec = exec;
        this.cache = cache;
    }

    /** Real processes, libcni's default cache dir {@code /var/lib/cni}. */
    public CniRuntime(List<Path> pluginPath) {
        this(pluginPath, new ProcessPluginExec(), new ResultCache());
    }

    public ResultCache cache() {
        return cache;
    }

    /** ADD: returns the final result in the list's version, after caching it. */
    public JsonObject add(NetworkConfigList list, RuntimeConf rt) {
        validateAttachment(list, rt);
        JsonObject result = null;
        for (PluginConfig plugin : list.plugins()) {
            JsonObject conf = RequestConfig.forAttachment(list, plugin, result, rt);
            byte[] out = run("ADD", plugin, conf, PluginEnvironment.forAttachment("ADD", rt, pluginPath));
            result = parseResult(out, list, plugin);
        }
        // Only a complete chain is cached: DEL of a half-done ADD gets no prevResult, like libcni.
        cache.save(new CachedAttachment(
                list.name(),
                rt.containerId(),
                rt.ifName(),
                rt.netns(),
                rt.cniArgs(),
                rt.capabilityArgs(),
                list.bytes(),
                result,
                false));
        return result;
    }

    /**
     * DEL: plugins in reverse order, each with the cached ADD result (lists &gt;= 0.4.0). Capability
     * and CNI args the caller does not supply are taken from the cache, so plugins see the
     * {@code runtimeConfig} they were added with. A missing cache entry is fine; an unreadable
     * one is removed. Every plugin runs even when one fails (a missing or broken plugin must not
     * keep the others from releasing what they hold); the failures are then thrown together
     * ({@link ChainFailedException} when more than one) and the cache entry is kept, so the
     * runtime can retry. The entry is removed once every plugin succeeded.
     */
    public void del(NetworkConfigList list, RuntimeConf rt) {
        CachedAttachment cached = null;
        try {
            cached = cache.load(list.name(), rt.containerId(), rt.ifName()).orElse(null);
        } catch (CniException e) {
            cache.remove(list.name(), rt.containerId(), rt.ifName());
        }
        RuntimeConf effective = cached == null ? rt : withCachedArgs(rt, cached);
        JsonObject prevResult = null;
        if (CniVersion.atLeast(list.cniVersion(), CniVersion.V0_4_0)) {
            prevResult = cachedResultIn(list, cached);
        }
        List<PluginConfig> plugins = list.plugins();
        List<PluginFailedException> failures = new ArrayList<>();
        for (int i = plugins.size() - 1; i >= 0; i--) {
            PluginConfig plugin = plugins.get(i);
            JsonObject conf = RequestConfig.forAttachment(list, plugin, prevResult, effective);
            try {
                run("DEL", plugin, conf, PluginEnvironment.forAttachment("DEL", effective, pluginPath));
            } catch (PluginFailedException e) {
                failures.add(e);
            }
        }
        ChainFailedException.throwIfAny(failures);
        cache.remove(list.name(), rt.containerId(), rt.ifName());
    }

    /**
     * CHECK: needs a list &gt;= 0.4.0; a no-op when {@code disableCheck}. Like DEL, capability
     * and CNI args the caller does not give come from the cache, so portmap checks the mappings
     * the ADD made even when {@code cni4j check} is not given them again.
     */
    public void check(NetworkConfigList list, RuntimeConf rt) {
        if (!CniVersion.atLeast(list.cniVersion(), CniVersion.V0_4_0)) {
            throw new CniException(
                    ErrorCode.INCOMPATIBLE_VERSION,
                    "configuration version \"" + list.cniVersion() + "\" does not support the CHECK command");
        }
        if (list.disableCheck()) {
            return;
        }
        CachedAttachment cached =
                cache.load(list.name(), rt.containerId(), rt.ifName()).orElse(null);
        RuntimeConf effective = cached == null ? rt : withCachedArgs(rt, cached);
        JsonObject prevResult = cachedResultIn(list, cached);
        for (PluginConfig plugin : list.plugins()) {
            JsonObject conf = RequestConfig.forAttachment(list, plugin, prevResult, effective);
            run("CHECK", plugin, conf, PluginEnvironment.forAttachment("CHECK", effective, pluginPath));
        }
    }

    /** GC: see {@link GarbageCollection}. */
    public void gc(NetworkConfigList list, Collection<GcAttachment> validAttachments) {
        new GarbageCollection(this, list, validAttachments).run();
    }

    /** STATUS: every plugin in order, stopping at the first error; a no-op below 1.1.0. */
    public void status(NetworkConfigList list) {
        if (!CniVersion.atLeast(list.cniVersion(), CniVersion.V1_1_0)) {
            return;
        }
        for (PluginConfig plugin : list.plugins()) {
            run(
                    "STATUS",
                    plugin,
                    RequestConfig.forNetwork(list, plugin),
                    PluginEnvironment.forNetwork("STATUS", pluginPath));
        }
    }

    /** VERSION of the plugin {@code type}; a plugin that does not know VERSION is 0.1.0-only. */
    public VersionInfo version(String type) {
        return PluginVersions.probe(exec, exec.find(type, pluginPath));
    }

    /**
     * Checks that every plugin exists and supports the list's version (libcni's
     * ValidateNetworkList); returns the capabilities the list declares, sorted.
     */
    public List<String> validate(NetworkConfigList list) {
        return PluginVersions.validate(this, list);
    }

    /** The cached ADD result of an attachment in the list's version; empty when none is cached. */
    public Optional<JsonObject> cachedResult(NetworkConfigList list, RuntimeConf rt) {
        return Optional.ofNullable(cachedResultIn(
                list, cache.load(list.name(), rt.containerId(), rt.ifName()).orElse(null)));
    }

    /** Runs one plugin; its failure becomes a {@link PluginFailedException} naming it. */
    byte[] run(String command, PluginConfig plugin, JsonObject conf, Map<String, String> env) {
        try {
            Path path = exec.find(plugin.type(), pluginPath);
            return exec.exec(path, Json.write(conf).getBytes(StandardCharsets.UTF_8), env);
        } catch (CniException e) {
            throw new PluginFailedException(command, plugin.type(), e);
        }
    }

    List<Path> pluginPath() {
        return pluginPath;
    }

    private static JsonObject parseResult(byte[] out, NetworkConfigList list, PluginConfig plugin) {
        try {
            JsonObject raw = Json.parseObject(new String(out, StandardCharsets.UTF_8));
            // A result without cniVersion is read as the list's version, as libcni does.
            return ResultCodec.convert(raw, list.cniVersion(), list.cniVersion());
        } catch (RuntimeException e) {
            throw new PluginFailedException(
                    "ADD",
                    plugin.type(),
                    new CniException(ErrorCode.DECODING_FAILURE, "invalid result from plugin: " + e.getMessage()));
        }
    }

    private static JsonObject cachedResultIn(NetworkConfigList list, CachedAttachment cached) {
        if (cached == null || cached.result() == null) {
            return null;
        }
        try {
            return ResultCodec.convert(cached.result(), list.cniVersion(), list.cniVersion());
        } catch (RuntimeException e) {
            throw new CniException(
                    ErrorCode.DECODING_FAILURE,
                    "failed to convert cached result to config version \"" + list.cniVersion() + "\": "
                            + e.getMessage());
        }
    }

    private static RuntimeConf withCachedArgs(RuntimeConf rt, CachedAttachment cached) {
        Map<String, Object> caps = new java.util.LinkedHashMap<>(cached.capabilityArgs());
        caps.putAll(rt.capabilityArgs());
        return new RuntimeConf(
                rt.containerId(),
                rt.netns(),
                rt.ifName(),
                rt.cniArgs().isEmpty() ? cached.cniArgs() : rt.cniArgs(),
                caps);
    }

    private static void validateAttachment(NetworkConfigList list, RuntimeConf rt) {
        if (!Names.isValidContainerId(rt.containerId())) {
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT, "invalid container ID \"" + rt.containerId() + "\"");
        }
        if (!Names.isValidNetworkName(list.name())) {
            throw new CniException(ErrorCode.INVALID_NETWORK_CONFIG, "invalid network name \"" + list.name() + "\"");
        }
        String problem = Names.interfaceNameProblem(rt.ifName());
        if (problem != null) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT, "invalid interface name \"" + rt.ifName() + "\": " + problem);
        }
    }
}
