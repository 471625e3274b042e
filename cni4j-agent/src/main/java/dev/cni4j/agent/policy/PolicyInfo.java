package dev.cni4j.agent.policy;

import dev.cni4j.net.IpPrefix;
import java.util.List;

/**
 * A NetworkPolicy in our own terms, with the API's defaults applied (policyTypes, protocol TCP).
 *
 * @param podSelector the pods of {@code ref.namespace()} it applies to
 * @param ingress     whether it isolates its pods for ingress (policyTypes has Ingress)
 * @param egress      whether it isolates its pods for egress
 * @param ingressRules in the API's order (the index is the rule number explanations report)
 * @param problems    what could not be taken over from the API object (such rules are left out:
 *                    they allow nothing, the policy still isolates)
 */
public record PolicyInfo(
        PolicyRef ref,
        LabelSelector podSelector,
        boolean ingress,
        boolean egress,
        List<Rule> ingressRules,
        List<Rule> egressRules,
        List<String> problems) {

    public PolicyInfo {
        ingressRules = List.copyOf(ingressRules);
        egressRules = List.copyOf(egressRules);
        problems = List.copyOf(problems);
    }

    /**
     * One ingress or egress rule: traffic matching one of {@code peers} and one of {@code ports}.
     *
     * @param index the rule's position in the policy's ingress or egress list
     * @param peers empty = every peer
     * @param ports empty = every port and protocol
     */
    public record Rule(int index, List<Peer> peers, List<PortSpec> ports) {
        public Rule {
            peers = List.copyOf(peers);
            ports = List.copyOf(ports);
        }
    }

    /** A {@code from}/{@code to} entry. */
    public sealed interface Peer permits PodPeer, IpBlockPeer {}

    /**
     * Pods selected by namespace and pod selector.
     *
     * @param namespaceSelector null: only the policy's own namespace ({@code namespace})
     * @param namespace         the policy's namespace when {@code namespaceSelector} is null, else null
     * @param podSelector       {@link LabelSelector#ALL} when the peer has none
     */
    public record PodPeer(LabelSelector namespaceSelector, String namespace, LabelSelector podSelector)
            implements Peer {
        public PodPeer {
            if ((namespaceSelector == null) == (namespace == null)) {
                throw new IllegalArgumentException("a pod peer has a namespace selector or a fixed namespace");
            }
        }
    }

    /** An ipBlock: {@code cidr} minus each of {@code except}. */
    public record IpBlockPeer(IpPrefix cidr, List<IpPrefix> except) implements Peer {
        public IpBlockPeer {
            cidr = cidr.masked();
            except = except.stream().map(IpPrefix::masked).toList();
        }
    }

    /**
     * A {@code ports} entry: a protocol and a port, a range ({@code endPort}), a named port, or
     * every port of the protocol.
     *
     * @param port    first port, or 0 for every port or a named port
     * @param endPort last port (= port for one port; 65535 for every port)
     * @param name    the named port, or null
     */
    public record PortSpec(Protocol protocol, int port, int endPort, String name) {
        public static PortSpec all(Protocol p) {
            return new PortSpec(p, 0, 65535, null);
        }

        public static PortSpec range(Protocol p, int from, int to) {
            return new PortSpec(p, from, to, null);
        }

        public static PortSpec named(Protocol p, String name) {
            return new PortSpec(p, 0, 0, name);
        }

        public boolean isNamed() {
            return name != null;
        }
    }
}
