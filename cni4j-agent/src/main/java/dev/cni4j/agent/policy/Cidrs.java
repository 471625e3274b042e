package dev.cni4j.agent.policy;

import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;

/** Prefix arithmetic for ipBlocks: a CIDR minus its excepts, as disjoint prefixes. */
final class Cidrs {
    private Cidrs() {}

    /**
     * {@code cidr} minus every prefix of {@code except}, as disjoint prefixes sorted by address.
     * Excepts of the other family or outside {@code cidr} take nothing away. At most
     * (prefix bits) x (number of excepts) prefixes.
     */
    static List<IpPrefix> subtract(IpPrefix cidr, List<IpPrefix> except) {
        List<IpPrefix> out = new ArrayList<>();
        subtract(cidr.masked(), except, out);
        return out;
    }

    private static void subtract(IpPrefix p, List<IpPrefix> except, List<IpPrefix> out) {
        boolean overlaps = false;
        for (IpPrefix e : except) {
            if (e.contains(p)) {
                return;
            }
            if (p.overlaps(e)) {
                overlaps = true;
            }
        }
        if (!overlaps) {
            out.add(p);
            return;
        }
        // an except lies strictly inside p: split p into its halves and subtract from each
        IpPrefix low = new IpPrefix(p.network(), p.length() + 1);
        IpPrefix high = new IpPrefix(low.lastAddress().next(), p.length() + 1);
        subtract(low, except, out);
        subtract(high, except, out);
    }
}
