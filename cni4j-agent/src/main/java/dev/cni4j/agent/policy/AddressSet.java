package dev.cni4j.agent.policy;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A set of peers that rules refer to, shared by every rule with the same selector: the ruleset
 * grows with distinct selectors, not with pods times policies.
 *
 * <p>{@link #id()} is derived from {@link #key()} alone (a hash), so a set keeps its name from one
 * compilation to the next while its members change: a pod relabel becomes element additions and
 * deletions. {@link #key()} is the selector's canonical text and holds API strings: for logs and
 * explanations, never for an nft script.
 */
sealed interface AddressSet permits AddressSet.PodAddresses, AddressSet.Cidrs, AddressSet.NamedPorts {
    /** {@code p}, {@code c} or {@code n} and 16 hex digits: safe as (part of) an nft name. */
    String id();

    String key();

    /** Whether the set holds this address (for a named-port set: with this protocol and port). */
    boolean contains(IpAddress a, Protocol protocol, int port);

    /** The pod IPs of the pods a (namespace, pod) selector pair selects, both families. */
    record PodAddresses(String id, String key, SortedSet<IpAddress> members) implements AddressSet {
        public PodAddresses {
            members = Collections.unmodifiableSortedSet(new TreeSet<>(members));
        }

        @Override
        public boolean contains(IpAddress a, Protocol protocol, int port) {
            return members.contains(a);
        }
    }

    /** An ipBlock: its CIDR minus its excepts, as disjoint sorted prefixes (both families possible). */
    record Cidrs(String id, String key, List<IpPrefix> prefixes) implements AddressSet {
        public Cidrs {
            prefixes = List.copyOf(prefixes);
        }

        @Override
        public boolean contains(IpAddress a, Protocol protocol, int port) {
            for (IpPrefix p : prefixes) {
                if (p.contains(a)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A named port resolved on each pod a peer selects: the pod's address with the protocol and
     * the number the pod gives that name (an nft {@code addr . inet_proto . inet_service} set).
     */
    record NamedPorts(String id, String key, SortedSet<Endpoint> members) implements AddressSet {
        public NamedPorts {
            members = Collections.unmodifiableSortedSet(new TreeSet<>(members));
        }

        @Override
        public boolean contains(IpAddress a, Protocol protocol, int port) {
            return members.contains(new Endpoint(a, protocol, port));
        }
    }

    /** An address with a protocol and port. */
    record Endpoint(IpAddress address, Protocol protocol, int port) implements Comparable<Endpoint> {
        @Override
        public int compareTo(Endpoint o) {
            int c = address.compareTo(o.address);
            if (c == 0) {
                c = protocol.compareTo(o.protocol);
            }
            return c != 0 ? c : Integer.compare(port, o.port);
        }
    }
}
