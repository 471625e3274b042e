package dev.cni4j.agent.policy;

import java.util.Map;
import java.util.TreeMap;

/** What policy needs of a Namespace: its name and labels. */
public record NamespaceInfo(String name, Map<String, String> labels) {
    /** The label the API server sets on every namespace to its name. */
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";

    public NamespaceInfo {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** A namespace we have no object for: only the label the API server would have set. */
    public static NamespaceInfo unknown(String name) {
        return new NamespaceInfo(name, Map.of(NAME_LABEL, name));
    }
}
