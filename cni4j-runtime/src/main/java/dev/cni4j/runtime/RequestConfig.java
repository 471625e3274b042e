package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.util.Map;

/**
 * Derives the JSON a plugin gets on stdin from its plugin configuration (SPEC section 3,
 * "Deriving request configuration"): {@code name} and {@code cniVersion} overwritten with the
 * list's, plus {@code runtimeConfig} and {@code prevResult} for attachment verbs. Everything
 * else passes through unchanged, {@code capabilities} included (libcni keeps it too).
 */
final class RequestConfig {
    private RequestConfig() {}

    /** For ADD, DEL and CHECK; {@code prevResult} may be null (first ADD, nothing cached). */
    static JsonObject forAttachment(
            NetworkConfigList list, PluginConfig plugin, JsonObject prevResult, RuntimeConf rt) {
        JsonObject conf = forNetwork(list, plugin);
        if (prevResult != null) {
            conf.put("prevResult", prevResult);
        }
        JsonObject runtimeConfig = runtimeConfig(plugin, rt.capabilityArgs());
        if (!runtimeConfig.isEmpty()) {
            conf.put("runtimeConfig", runtimeConfig);
        }
        return conf;
    }

    /** For GC and STATUS: only {@code name} and {@code cniVersion} are injected. */
    static JsonObject forNetwork(NetworkConfigList list, PluginConfig plugin) {
        JsonObject conf = plugin.json();
        conf.put("name", list.name());
        conf.put("cniVersion", list.cniVersion());
        return conf;
    }

    /**
     * The capability arguments the plugin declares {@code true} and the caller supplied, keyed
     * by the plugin's spelling. Matched case-insensitively because containerd's go-cni sends
     * Go field names ({@code PortMappings}) where configs declare {@code portMappings}.
     */
    static JsonObject runtimeConfig(PluginConfig plugin, Map<String, Object> capabilityArgs) {
        JsonObject rc = new JsonObject();
        for (Map.Entry<String, Boolean> cap : plugin.capabilities().entrySet()) {
            if (!cap.getValue()) {
                continue;
            }
            String key = matchingKey(capabilityArgs, cap.getKey());
            if (key != null) {
                // A JSON round trip turns caller maps into JsonObjects and fails early on unserialisable values.
                rc.put(cap.getKey(), Json.parse(Json.write(capabilityArgs.get(key))));
            }
        }
        return rc;
    }

    private static String matchingKey(Map<String, Object> args, String capability) {
        if (args.containsKey(capability)) {
            return capability;
        }
        for (String k : args.keySet()) {
            if (k.equalsIgnoreCase(capability)) {
                return k;
            }
        }
        return null;
    }
}
