package dev.cni4j.agent.policy;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

/**
 * What a case of {@link NetpolCases} does to a cluster of the upstream model and how it checks
 * it: the compiled model ({@link NetpolModel}, checked through explain and the nft simulator) and
 * the privileged run against the real kernel implement it.
 */
public interface NetpolScenario {
    boolean[] BOTH = {false, true};
    boolean[] V4 = {false};
    boolean[] V6 = {true};

    /** Creates the policy, or replaces the one of the same namespace and name. */
    void create(NetworkPolicy p);

    void delete(String ns, String name);

    void labelNamespace(String ns, String key, String value);

    void labelPod(String pod, String key, String value);

    /** The address of pod "ns/name" in this cluster. */
    String ip(String pod, boolean v6);

    /**
     * CIDRs holding exactly the pods of namespace {@code ns}: the model gives each namespace its own
     * prefix (10.244.N.0/24, fd00:10:N::/48); a real cluster, whose addresses come from per-node
     * subnets, gives a host prefix per pod.
     */
    java.util.List<String> namespaceCidrs(String ns, boolean v6);

    /**
     * Upstream's ValidateOrFail: the whole 9x9 matrix for this port and protocol, for each family in {@code families}.
     */
    void validate(int port, Protocol proto, Reachability expected, boolean[] families);

    default void validate(int port, Protocol proto, Reachability expected) {
        validate(port, proto, expected, BOTH);
    }
}
