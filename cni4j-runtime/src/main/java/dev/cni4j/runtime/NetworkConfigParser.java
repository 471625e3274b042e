package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.skel.Names;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses network configuration lists ({@code .conflist}) and single plugin configurations
 * ({@code .conf}/{@code .json}), with libcni's rules. Every failure is a {@link CniException}
 * whose message says what is wrong; the conf dir loader turns it into a {@link ConfigProblem}.
 */
public final class NetworkConfigParser {
    private NetworkConfigParser() {}

    /**
     * Parses a {@code .conflist}. A list without {@code plugins} is returned empty (plugins may come from the conf
     * dir).
     */
    public static NetworkConfigList parseList(byte[] bytes) {
        JsonObject raw = parseObject(bytes);
        try {
            String name = requireName(raw);
            String version = VersionSelection.select(raw.string("cniVersion"), raw.strings("cniVersions"));
            boolean loadOnlyInlined = flag(raw, "loadOnlyInlinedPlugins");
            List<PluginConfig> plugins = new ArrayList<>();
            Object pluginsField = raw.find("plugins");
            if (pluginsField == null) {
                if (loadOnlyInlined) {
                    throw invalid("loadOnlyInlinedPlugins is true and there is no \"plugins\" key");
                }
            } else {
                List<JsonObject> objects = raw.objects("plugins");
                if (objects.isEmpty()) {
                    throw invalid("no plugins in list");
                }
                for (int i = 0; i < objects.size(); i++) {
                    plugins.add(plugin(objects.get(i), "plugins[" + i + "]"));
                }
            }
            return new NetworkConfigList(
                    name,
                    version,
                    flag(raw, "disableCheck"),
                    flag(raw, "disableGC"),
                    loadOnlyInlined,
                    plugins,
                    bytes,
                    null);
        } catch (JsonTypeException e) {
            throw invalid(e.getMessage());
        }
    }

    /** Parses one plugin configuration object (a {@code <network>/*.conf} file). */
    public static PluginConfig parsePlugin(byte[] bytes) {
        try {
            return plugin(parseObject(bytes), "plugin config");
        } catch (JsonTypeException e) {
            throw invalid(e.getMessage());
        }
    }

    /**
     * Parses a single-plugin {@code .conf}/{@code .json} and up-converts it to a one-element list,
     * as libcni's ConfListFromConf does: the list takes the plugin's {@code name} and
     * {@code cniVersion}, and its bytes are the synthesised list (that is what gets cached).
     */
    public static NetworkConfigList parseSingle(byte[] bytes) {
        JsonObject raw = parseObject(bytes);
        if (raw.find("plugins") != null && raw.find("type") == null) {
            throw invalid("a network configuration list (\"plugins\") in a single-plugin file; rename it .conflist");
        }
        try {
            plugin(raw, "plugin config");
            JsonObject list = new JsonObject();
            list.put("cniVersion", raw.string("cniVersion", ""));
            list.put("name", raw.string("name", ""));
            list.put("plugins", List.of(raw));
            return parseList(Json.write(list).getBytes(StandardCharsets.UTF_8));
        } catch (JsonTypeException e) {
            throw invalid(e.getMessage());
        }
    }

    private static PluginConfig plugin(JsonObject o, String where) {
        String type = o.string("type");
        if (type == null || type.isEmpty()) {
            throw invalid(where + ": missing 'type'");
        }
        requireFileName(type, where + ": type");
        for (String key : o.keySet()) {
            // Reserved keys are written by the runtime at exec time; a config that sets them is confused.
            if (key.equalsIgnoreCase("runtimeConfig") || key.equalsIgnoreCase("args") || key.startsWith("cni.dev/")) {
                throw invalid(where + ": reserved key \"" + key + "\" must not be set in configuration");
            }
        }
        JsonObject ipam = o.object("ipam");
        if (ipam != null && ipam.string("type") != null) {
            requireFileName(ipam.string("type"), where + ": ipam.type");
        }
        Map<String, Boolean> caps = new LinkedHashMap<>();
        JsonObject declared = o.object("capabilities");
        if (declared != null) {
            for (String cap : declared.keySet()) {
                caps.put(cap, declared.bool(cap, false));
            }
        }
        return new PluginConfig(o, type, caps);
    }

    private static String requireName(JsonObject raw) {
        Object name = raw.find("name");
        if (name == null) {
            throw invalid("no name");
        }
        if (!(name instanceof String s) || !Names.isValidNetworkName(s)) {
            throw invalid("invalid network name " + Json.write(name)
                    + ": must start with an alphanumeric character, then only alphanumerics, '_', '.' or '-'");
        }
        return s;
    }

    private static void requireFileName(String value, String what) {
        if (value.indexOf('/') >= 0 || value.indexOf('\\') >= 0) {
            throw invalid(what + " \"" + value + "\" must not contain a path separator");
        }
    }

    /** libcni reads these flags as a JSON boolean or the strings "true"/"false" in any case. */
    static boolean flag(JsonObject raw, String key) {
        Object v = raw.find(key);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            if (s.equalsIgnoreCase("true")) {
                return true;
            }
            if (s.equalsIgnoreCase("false")) {
                return false;
            }
            throw invalid("invalid value \"" + s + "\" for " + key);
        }
        throw invalid("invalid type for " + key + ": " + Json.write(v));
    }

    private static JsonObject parseObject(byte[] bytes) {
        try {
            return Json.parseObject(bytes);
        } catch (JsonException e) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "error parsing configuration: " + e.getMessage());
        }
    }

    private static CniException invalid(String msg) {
        return new CniException(ErrorCode.INVALID_NETWORK_CONFIG, "error parsing configuration: " + msg);
    }
}
