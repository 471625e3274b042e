package dev.cni4j.runtime;

import dev.cni4j.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One plugin configuration object of a network list, as written in the config file. Immutable:
 * {@link #json()} hands out a copy, because request configs are derived from it per call and
 * several threads may run the same list at once.
 */
public final class PluginConfig {
    private final JsonObject json;
    private final String type;
    private final Map<String, Boolean> capabilities;

    PluginConfig(JsonObject json, String type, Map<String, Boolean> capabilities) {
        this.json = json.deepCopy();
        this.type = type;
        this.capabilities = Collections.unmodifiableMap(new LinkedHashMap<>(capabilities));
    }

    /** The plugin executable's name, looked up in {@code CNI_PATH}. */
    public String type() {
        return type;
    }

    /** The {@code capabilities} map as declared (including entries set to false). */
    public Map<String, Boolean> capabilities() {
        return capabilities;
    }

    /** A fresh copy of the plugin's JSON object. */
    public JsonObject json() {
        return json.deepCopy();
    }

    @Override
    public String toString() {
        return "type=\"" + type + "\"";
    }
}
