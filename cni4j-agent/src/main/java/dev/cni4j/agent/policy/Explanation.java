package dev.cni4j.agent.policy;

import dev.cni4j.net.IpAddress;
import java.util.List;

/**
 * Why a connection is allowed or denied: the egress side of its source and the ingress side of
 * its destination, as {@link CompiledPolicy#explain} found them.
 */
public record Explanation(
        IpAddress source, IpAddress destination, int port, Protocol protocol, Side egress, Side ingress) {

    public enum Verdict {
        ALLOWED,
        DENIED,
        NOT_EVALUATED
    }

    public enum Reason {
        /** The pod of this side is not on this node (or the address is no pod): that node decides. */
        NOT_LOCAL,
        /** The other end is the pod's own node (kubelet probes): always allowed. */
        NODE_TRAFFIC,
        /** No policy selects the pod for this direction. */
        NOT_ISOLATED,
        /** A rule allows it ({@link Side#policy()}, {@link Side#rule()}). */
        ALLOWED_BY_RULE,
        /** The pod is isolated for this direction and none of its rules allows it. */
        NO_RULE_ALLOWS
    }

    /**
     * One side's answer.
     *
     * @param pod       the local pod ("namespace/name") or null
     * @param policy    the policy whose rule allowed it, or null
     * @param rule      that rule's index in its ingress or egress list, or -1
     * @param isolating the policies isolating the pod for this direction
     * @param text      the same in words
     */
    public record Side(
            Verdict verdict,
            Reason reason,
            String pod,
            PolicyRef policy,
            int rule,
            List<PolicyRef> isolating,
            String text) {
        public Side {
            isolating = List.copyOf(isolating);
        }
    }

    /** Allowed unless a side denies it (a side not evaluated here is its own node's to decide). */
    public boolean allowed() {
        return egress.verdict() != Verdict.DENIED && ingress.verdict() != Verdict.DENIED;
    }

    @Override
    public String toString() {
        return source + " -> " + destination + " " + port + "/" + protocol.nftName() + ": "
                + (allowed() ? "allowed" : "denied") + "\n  egress:  " + egress.text() + "\n  ingress: "
                + ingress.text();
    }
}
