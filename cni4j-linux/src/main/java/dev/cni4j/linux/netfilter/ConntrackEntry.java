package dev.cni4j.linux.netfilter;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * One conntrack entry as a dump reported it: the original-direction tuple, the zone, and the raw
 * {@code CTA_TUPLE_ORIG} payload that {@link Conntrack#delete} sends back to the kernel verbatim.
 *
 * @param family         {@link Conntrack#AF_INET} or {@link Conntrack#AF_INET6}
 * @param protocol       layer-4 protocol number, e.g. {@link Conntrack#IPPROTO_UDP}
 * @param sourcePort     0 for protocols without ports
 * @param destinationPort 0 for protocols without ports
 * @param zone           the conntrack zone, or {@link #NO_ZONE} when the kernel sent no CTA_ZONE (zone 0)
 * @param originalTuple  the payload of CTA_TUPLE_ORIG (its nested attributes), as received
 */
public record ConntrackEntry(
        int family,
        int protocol,
        InetAddress source,
        InetAddress destination,
        int sourcePort,
        int destinationPort,
        int zone,
        byte[] originalTuple) {
    public static final int NO_ZONE = -1;

    public ConntrackEntry {
        originalTuple = originalTuple.clone();
    }

    @Override
    public byte[] originalTuple() {
        return originalTuple.clone();
    }

    byte[] originalTupleUnsafe() {
        return originalTuple;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConntrackEntry e
                && family == e.family
                && protocol == e.protocol
                && source.equals(e.source)
                && destination.equals(e.destination)
                && sourcePort == e.sourcePort
                && destinationPort == e.destinationPort
                && zone == e.zone
                && Arrays.equals(originalTuple, e.originalTuple);
    }

    @Override
    public int hashCode() {
        return ((source.hashCode() * 31 + destination.hashCode()) * 31 + sourcePort) * 31 + destinationPort;
    }

    /** Like conntrack -L: {@code udp src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=53 zone=1}. */
    @Override
    public String toString() {
        String name = switch (protocol) {
            case Conntrack.IPPROTO_TCP -> "tcp";
            case Conntrack.IPPROTO_UDP -> "udp";
            default -> "proto " + protocol;
        };
        return name + " src=" + source.getHostAddress() + " dst=" + destination.getHostAddress() + " sport="
                + sourcePort + " dport=" + destinationPort + (zone == NO_ZONE ? "" : " zone=" + zone);
    }
}
