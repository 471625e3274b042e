package dev.cni4j.agent.policy;

/**
 * A NetworkPolicy by namespace and name. Names come from the API: they go into logs and
 * explanations as they are, never into an nft script (see {@link NftPolicyRenderer}).
 */
public record PolicyRef(String namespace, String name) implements Comparable<PolicyRef> {
    @Override
    public int compareTo(PolicyRef o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
