package dev.cni4j.agent.policy;

/** The two directions a NetworkPolicy isolates independently (its policyTypes). */
public enum Direction {
    /** Traffic to the selected pod. */
    INGRESS,
    /** Traffic from the selected pod. */
    EGRESS
}
