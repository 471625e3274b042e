package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpAddress;
import java.math.BigInteger;
import java.util.List;

/**
 * A pool of ranges of one family from which exactly one address is allocated per attachment.
 * Ranges in a set never overlap; the index of the set in the config names its
 * {@code last_reserved_ip.<index>} file.
 */
public record RangeSet(List<IpRange> ranges) {

    /** Checks the set as the reference does: non-empty, one family, no overlaps. */
    public RangeSet {
        ranges = List.copyOf(ranges);
        if (ranges.isEmpty()) {
            throw HostLocalErrors.config("empty range set");
        }
        for (int i = 0; i < ranges.size(); i++) {
            IpRange a = ranges.get(i);
            if (a.isIPv6() != ranges.getFirst().isIPv6()) {
                throw HostLocalErrors.config("mixed address families in range set " + setString(ranges));
            }
            for (int j = i + 1; j < ranges.size(); j++) {
                if (a.overlaps(ranges.get(j))) {
                    throw HostLocalErrors.config("subnets " + a + " and " + ranges.get(j) + " overlap");
                }
            }
        }
    }

    public boolean isIPv6() {
        return ranges.getFirst().isIPv6();
    }

    /** The range holding {@code ip}, or null. */
    public IpRange rangeFor(IpAddress ip) {
        int i = indexFor(ip);
        return i < 0 ? null : ranges.get(i);
    }

    /**
     * The index in {@link #ranges()} of the range holding {@code ip}, or -1. (Not
     * {@code ranges().indexOf(rangeFor(ip))}: a record's equals is bootstrapped at its first call,
     * ~8 hidden classes that the AOT cache does not keep, a few ms of a standalone plugin exec.)
     */
    public int indexFor(IpAddress ip) {
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i).contains(ip)) {
                return i;
            }
        }
        return -1;
    }

    public boolean contains(IpAddress ip) {
        return rangeFor(ip) != null;
    }

    /** True when any range of this set overlaps any range of {@code o}. */
    public boolean overlaps(RangeSet o) {
        for (IpRange a : ranges) {
            for (IpRange b : o.ranges) {
                if (a.overlaps(b)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** How many addresses can be handed out: every range's size minus gateways inside it. */
    public BigInteger capacity() {
        BigInteger n = BigInteger.ZERO;
        for (IpRange r : ranges) {
            n = n.add(r.size());
            if (r.contains(r.gateway())) {
                n = n.subtract(BigInteger.ONE);
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return setString(ranges);
    }

    private static String setString(List<IpRange> ranges) {
        StringBuilder sb = new StringBuilder();
        for (IpRange r : ranges) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(r);
        }
        return sb.toString();
    }
}
