package dev.cni4j.agent.policy;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.netfilter.Conntrack;
import dev.cni4j.linux.netfilter.ConntrackEntry;
import dev.cni4j.net.IpAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code networkPolicyEstablished=cut}: after a policy change, the conntrack entries of the node
 * namespace whose connection the new state no longer allows are deleted (one dump per family,
 * one ctnetlink delete per entry), so their next packets meet the policy chains as new ones.
 * Allowed or not is {@link CompiledPolicy#explain} of the entry's original tuple (source,
 * destination, destination port, protocol), the same answer {@code /policy/explain} gives.
 *
 * <p>Only TCP, UDP and SCTP entries with a local pod at one end are looked at. An entry whose
 * original destination was rewritten by DNAT (a Service address) is judged by that address, which
 * is no pod: such connections are kept.
 */
final class EstablishedConnections {
    private EstablishedConnections() {}

    /** What one sweep saw and did. */
    record Sweep(int examined, int cut) {}

    /** Deletes the entries {@code c} denies in {@code ns} (null: the calling thread's namespace). */
    static Sweep cut(NetNs ns, CompiledPolicy c) {
        Set<IpAddress> local = new HashSet<>();
        for (CompiledPolicy.PodRules p : c.pods()) {
            if (p.ingress().isolated() || p.egress().isolated()) {
                local.addAll(p.addresses());
            }
        }
        if (local.isEmpty()) {
            return new Sweep(0, 0);
        }
        int examined = 0, cut = 0;
        try (Conntrack ct = ns == null ? Conntrack.openCurrent() : Conntrack.open(ns)) {
            for (int family : new int[] {Conntrack.AF_INET, Conntrack.AF_INET6}) {
                List<ConntrackEntry> entries = ct.list(family);
                for (ConntrackEntry e : entries) {
                    Protocol proto = protocol(e.protocol());
                    if (proto == null) {
                        continue;
                    }
                    IpAddress src = IpAddress.of(e.source()), dst = IpAddress.of(e.destination());
                    if (!local.contains(src) && !local.contains(dst)) {
                        continue;
                    }
                    examined++;
                    if (!c.explain(src, dst, e.destinationPort(), proto).allowed() && ct.delete(e)) {
                        cut++;
                    }
                }
            }
        }
        return new Sweep(examined, cut);
    }

    private static Protocol protocol(int number) {
        for (Protocol p : Protocol.values()) {
            if (p.number() == number) {
                return p;
            }
        }
        return null;
    }
}
