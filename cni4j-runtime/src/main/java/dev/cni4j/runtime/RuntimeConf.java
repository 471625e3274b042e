package dev.cni4j.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-attachment parameters of one chain call (libcni's RuntimeConf): container ID, netns
 * path, interface name, {@code CNI_ARGS} as ordered pairs, and capability arguments (the values
 * a plugin may receive in {@code runtimeConfig}). Capability values are JSON-ready Java values
 * (maps, lists, strings, numbers, booleans).
 */
public record RuntimeConf(
        String containerId, String netns, String ifName, List<Arg> cniArgs, Map<String, Object> capabilityArgs) {

    /** One {@code K=V} pair of {@code CNI_ARGS}. */
    public record Arg(String key, String value) {}

    public RuntimeConf {
        netns = netns == null ? "" : netns;
        cniArgs = cniArgs == null ? List.of() : List.copyOf(cniArgs);
        // LinkedHashMap keeps the caller's order in the cache file; null values are allowed in JSON.
        capabilityArgs =
                capabilityArgs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(capabilityArgs));
    }

    public RuntimeConf(String containerId, String netns, String ifName) {
        this(containerId, netns, ifName, List.of(), Map.of());
    }

    /** {@code CNI_ARGS} as plugins receive it: {@code K=V;K2=V2}. */
    public String cniArgsString() {
        StringBuilder sb = new StringBuilder();
        for (Arg a : cniArgs) {
            if (!sb.isEmpty()) {
                sb.append(';');
            }
            sb.append(a.key()).append('=').append(a.value());
        }
        return sb.toString();
    }
}
