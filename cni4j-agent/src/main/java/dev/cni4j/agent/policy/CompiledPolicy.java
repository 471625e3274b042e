package dev.cni4j.agent.policy;

import dev.cni4j.agent.policy.Explanation.Reason;
import dev.cni4j.agent.policy.Explanation.Side;
import dev.cni4j.agent.policy.Explanation.Verdict;
import dev.cni4j.net.IpAddress;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The NetworkPolicy state of one node, compiled for an nftables dataplane and deterministic
 * (equal inputs give an equal value, whatever their order): per local pod and direction,
 * isolated or not and its allow rules; the address sets the rules refer to, shared by selector;
 * this node's addresses (node traffic is always allowed). {@link #explain} answers from this
 * value alone, so it says what the dataplane rendered from it does.
 *
 * @param node          this node's name
 * @param nodeAddresses this node's own addresses: traffic between a local pod and them is allowed
 * @param sets          by {@link AddressSet#id()}: only the sets the local pods' rules use
 * @param pods          the local pods (on this node, not hostNetwork, not terminated), by namespace and name
 * @param podNames      every known pod address (all nodes) to its pod's "namespace/name", for explanations
 * @param problems      what the compiler could not use (bad API objects, address conflicts), sorted
 */
public record CompiledPolicy(
        String node,
        SortedSet<IpAddress> nodeAddresses,
        SortedMap<String, AddressSet> sets,
        List<PodRules> pods,
        SortedMap<IpAddress, String> podNames,
        List<String> problems) {

    public CompiledPolicy {
        nodeAddresses = Collections.unmodifiableSortedSet(new TreeSet<>(nodeAddresses));
        sets = Collections.unmodifiableSortedMap(new TreeMap<>(sets));
        pods = List.copyOf(pods);
        podNames = Collections.unmodifiableSortedMap(new TreeMap<>(podNames));
        problems = List.copyOf(problems);
    }

    /**
     * One local pod's rules.
     *
     * @param id        a stable name for its chains ({@code q} and 16 hex digits of its UID's hash)
     * @param addresses its addresses (status.podIPs when Running, and our IPAM's), possibly none yet
     */
    public record PodRules(
            String id,
            String namespace,
            String name,
            String uid,
            List<IpAddress> addresses,
            DirectionRules ingress,
            DirectionRules egress) {
        public PodRules {
            addresses = List.copyOf(addresses);
        }

        public String fullName() {
            return namespace + "/" + name;
        }

        public DirectionRules direction(Direction d) {
            return d == Direction.INGRESS ? ingress : egress;
        }
    }

    /**
     * One direction of one pod.
     *
     * @param isolated whether a policy selecting the pod has this direction in its policyTypes
     * @param policies those policies, sorted
     * @param rules    what they allow, in policy then rule order (their union is what passes)
     */
    public record DirectionRules(boolean isolated, List<PolicyRef> policies, List<AllowRule> rules) {
        public static final DirectionRules OPEN = new DirectionRules(false, List.of(), List.of());

        public DirectionRules {
            policies = List.copyOf(policies);
            rules = List.copyOf(rules);
        }
    }

    /**
     * Traffic this rule allows: from (ingress) or to (egress) {@code peer}, on one of {@code ports}.
     *
     * @param policy the policy that produced it
     * @param rule   the index of the rule in the policy's ingress or egress list
     * @param peerSetId the {@link AddressSet} the peer must be in, or null for every peer
     * @param ports  empty = every port of every protocol; always empty for a {@link AddressSet.NamedPorts}
     *               peer (the set holds protocol and port)
     */
    public record AllowRule(PolicyRef policy, int rule, String peerSetId, List<PortRange> ports) {
        public AllowRule {
            ports = List.copyOf(ports);
        }
    }

    /** A protocol and an inclusive port range (0-65535 for every port of the protocol). */
    public record PortRange(Protocol protocol, int from, int to) {
        public PortRange {
            if (from < 0 || to > 65535 || from > to) {
                throw new IllegalArgumentException("bad port range " + from + "-" + to);
            }
        }

        public boolean matches(Protocol p, int port) {
            return p == protocol && port >= from && port <= to;
        }

        public boolean allPorts() {
            return from == 0 && to == 65535;
        }
    }

    /** The local pod with this address, or null. */
    public PodRules localPod(IpAddress a) {
        return localByAddress().get(a);
    }

    private Map<IpAddress, PodRules> localByAddress() {
        Map<IpAddress, PodRules> m = new HashMap<>();
        for (PodRules p : pods) {
            for (IpAddress a : p.addresses()) {
                m.putIfAbsent(a, p);
            }
        }
        return m;
    }

    /** Whether {@code rule} lets traffic from/to {@code peer} on this protocol and port through. */
    public boolean matches(AllowRule rule, IpAddress peer, Protocol protocol, int port) {
        if (rule.peerSetId() != null && !sets.get(rule.peerSetId()).contains(peer, protocol, port)) {
            return false;
        }
        if (rule.ports().isEmpty()) {
            return true;
        }
        for (PortRange r : rule.ports()) {
            if (r.matches(protocol, port)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a new connection from {@code src} to {@code dst} on this port and protocol is
     * allowed, and why: the egress side of the source if it is a local pod, the ingress side of
     * the destination if it is one. A side this node does not police (the pod is elsewhere or no
     * pod) is {@link Verdict#NOT_EVALUATED}; the other node answers for it.
     */
    public Explanation explain(IpAddress src, IpAddress dst, int port, Protocol protocol) {
        Map<IpAddress, PodRules> local = localByAddress();
        return new Explanation(
                src,
                dst,
                port,
                protocol,
                side(Direction.EGRESS, local.get(src), src, dst, port, protocol),
                side(Direction.INGRESS, local.get(dst), dst, src, port, protocol));
    }

    private Side side(Direction d, PodRules pod, IpAddress self, IpAddress peer, int port, Protocol protocol) {
        if (pod == null) {
            String who = podNames.containsKey(self) ? "pod " + podNames.get(self) : "address " + self;
            String text = nodeAddresses.contains(self)
                    ? "this node (" + self + ") is not policed"
                    : who + " is not a pod on node " + node;
            return new Side(Verdict.NOT_EVALUATED, Reason.NOT_LOCAL, null, null, -1, List.of(), text);
        }
        DirectionRules rules = pod.direction(d);
        String dir = d == Direction.INGRESS ? "ingress" : "egress";
        if (nodeAddresses.contains(peer)) {
            return new Side(
                    Verdict.ALLOWED,
                    Reason.NODE_TRAFFIC,
                    pod.fullName(),
                    null,
                    -1,
                    rules.policies(),
                    "traffic between " + pod.fullName() + " and its own node " + node + " is always allowed");
        }
        if (!rules.isolated()) {
            return new Side(
                    Verdict.ALLOWED,
                    Reason.NOT_ISOLATED,
                    pod.fullName(),
                    null,
                    -1,
                    List.of(),
                    "no policy selects " + pod.fullName() + " for " + dir);
        }
        for (AllowRule r : rules.rules()) {
            if (matches(r, peer, protocol, port)) {
                return new Side(
                        Verdict.ALLOWED,
                        Reason.ALLOWED_BY_RULE,
                        pod.fullName(),
                        r.policy(),
                        r.rule(),
                        rules.policies(),
                        dir + " rule " + r.rule() + " of policy " + r.policy() + " allows it");
            }
        }
        return new Side(
                Verdict.DENIED,
                Reason.NO_RULE_ALLOWS,
                pod.fullName(),
                null,
                -1,
                rules.policies(),
                pod.fullName() + " is isolated for " + dir + " by " + rules.policies()
                        + " and no rule of them allows it");
    }
}
