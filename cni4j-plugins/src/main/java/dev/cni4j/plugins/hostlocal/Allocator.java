package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpAddress;
import dev.cni4j.node.Reservation;
import dev.cni4j.plugins.common.Killpoint;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.Result.IpConfig;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Allocates one address per range set for an attachment, as the reference plugin does:
 * a requested IP when one falls in the set, otherwise the next free address after
 * {@code last_reserved_ip.<index>}, round-robin over the set's ranges, skipping gateways.
 * Runs entirely under the store lock; on failure it releases what it reserved in this call
 * (and only that).
 */
final class Allocator {
    private final HostLocalStore store;
    private final String containerId;
    private final String ifname;

    Allocator(HostLocalStore store, String containerId, String ifname) {
        this.store = store;
        this.containerId = containerId;
        this.ifname = ifname;
    }

    /** Allocates for every set in order; call under the store lock. */
    List<IpConfig> allocate(List<RangeSet> sets, List<IpAddress> requested) {
        List<Reservation> existing = store.reservations();
        Set<String> taken = new HashSet<>();
        for (Reservation r : existing) {
            taken.add(r.fileName());
        }
        Set<IpAddress> unclaimed = new LinkedHashSet<>(requested);
        List<IpAddress> reserved = new ArrayList<>();
        List<IpConfig> out = new ArrayList<>();
        try {
            for (int i = 0; i < sets.size(); i++) {
                RangeSet set = sets.get(i);
                IpAddress wanted = claim(unclaimed, set);
                IpAddress ip;
                try {
                    ip = wanted != null
                            ? reserveRequested(set, i, wanted, taken)
                            : reserveNext(set, i, existing, taken);
                } catch (CniException e) {
                    throw new CniException(
                            e.code(), "failed to allocate for range " + i + ": " + e.getMessage(), e.details(), e);
                }
                reserved.add(ip);
                Killpoint.reached("host-local:reserved");
                IpRange r = set.rangeFor(ip);
                out.add(new IpConfig(r.cidrOf(ip), r.gateway().toString(), null));
            }
            if (!unclaimed.isEmpty()) {
                StringBuilder sb = new StringBuilder("failed to allocate all requested IPs:");
                for (IpAddress ip : unclaimed) {
                    sb.append(' ').append(ip);
                }
                throw HostLocalErrors.allocation(sb.toString());
            }
            Killpoint.reached("host-local:allocated");
            return out;
        } catch (RuntimeException e) {
            for (IpAddress ip : reserved) {
                store.release(new Reservation(ip.toString(), ip, containerId, ifname));
            }
            throw e;
        }
    }

    private static IpAddress claim(Set<IpAddress> unclaimed, RangeSet set) {
        for (IpAddress ip : unclaimed) {
            if (set.contains(ip)) {
                unclaimed.remove(ip);
                return ip;
            }
        }
        return null;
    }

    private IpAddress reserveRequested(RangeSet set, int index, IpAddress ip, Set<String> taken) {
        IpRange r = set.rangeFor(ip);
        if (ip.equals(r.gateway())) {
            throw HostLocalErrors.allocation("requested ip " + ip + " is subnet's gateway");
        }
        if (taken.contains(ip.toString()) || !store.reserve(ip, containerId, ifname, index)) {
            throw HostLocalErrors.allocation("requested IP address " + ip + " is not available in range set " + set);
        }
        return ip;
    }

    private IpAddress reserveNext(RangeSet set, int index, List<Reservation> existing, Set<String> taken) {
        for (Reservation r : existing) {
            if ((r.ownedBy(containerId, ifname) || r.legacyOf(containerId)) && set.contains(r.ip())) {
                throw HostLocalErrors.allocation(
                        r.ip() + " has been allocated to " + containerId + ", duplicate allocation is not allowed");
            }
        }
        List<IpRange> ranges = set.ranges();
        // Start after the last reserved IP when it is still in the set, else at the first start.
        int ri = 0;
        IpAddress cur = ranges.getFirst().start();
        IpAddress last = store.lastReservedIp(index);
        int lastIndex = last == null ? -1 : set.indexFor(last);
        if (lastIndex >= 0) {
            ri = lastIndex;
            if (last.equals(ranges.get(ri).end())) {
                ri = (ri + 1) % ranges.size();
                cur = ranges.get(ri).start();
            } else {
                cur = last.next();
            }
        }
        BigInteger total = BigInteger.ZERO;
        for (IpRange r : ranges) {
            total = total.add(r.size());
        }
        long limit = total.bitLength() < 63 ? total.longValue() : Long.MAX_VALUE;
        for (long n = 0; n < limit; n++) {
            IpRange r = ranges.get(ri);
            if (!cur.equals(r.gateway())
                    && !taken.contains(cur.toString())
                    && store.reserve(cur, containerId, ifname, index)) {
                return cur;
            }
            if (cur.equals(r.end())) {
                ri = (ri + 1) % ranges.size();
                cur = ranges.get(ri).start();
            } else {
                cur = cur.next();
            }
        }
        throw HostLocalErrors.allocation("no IP addresses available in range set: " + set);
    }
}
