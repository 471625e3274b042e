package dev.cni4j.plugins.hostlocal;

import dev.cni4j.json.JsonObject;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles the range sets of an invocation in the reference order: the {@code ipRanges}
 * capability first, then the legacy top-level range, then {@code ranges}; expands
 * {@code usePodCidr} subnets from the node's pod CIDRs; validates every range and the whole.
 */
final class ConfiguredRanges {
    static final String USE_POD_CIDR = "usePodCidr";
    static final String USE_POD_CIDR_IPV6 = "usePodCidrIPv6";

    /** A range as written in the config, before defaults and checks. */
    private record Spec(String subnet, String start, String end, String gateway) {
        static Spec of(JsonObject o) {
            return new Spec(o.string("subnet"), o.string("rangeStart"), o.string("rangeEnd"), o.string("gateway"));
        }

        boolean hasBounds() {
            return notEmpty(start) || notEmpty(end) || notEmpty(gateway);
        }
    }

    private ConfiguredRanges() {}

    static List<RangeSet> load(Request request, JsonObject ipam, PodCidrSource.Factory podCidrs) {
        List<List<Spec>> raw = new ArrayList<>();
        addSets(raw, request.runtimeConfig().list("ipRanges"), "runtimeConfig.ipRanges");
        if (notEmpty(ipam.string("subnet"))) {
            raw.add(List.of(Spec.of(ipam)));
        }
        addSets(raw, ipam.list("ranges"), "ranges");
        if (raw.isEmpty()) {
            throw HostLocalErrors.config("no IP ranges specified");
        }
        raw = expandPodCidrs(raw, request, ipam, podCidrs);

        List<RangeSet> sets = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            List<IpRange> ranges = new ArrayList<>();
            try {
                for (Spec s : raw.get(i)) {
                    ranges.add(IpRange.of(s.subnet, s.start, s.end, s.gateway));
                }
                sets.add(new RangeSet(ranges));
            } catch (CniException e) {
                throw HostLocalErrors.config("invalid range set " + i + ": " + e.getMessage());
            }
        }
        int v4 = 0;
        for (RangeSet set : sets) {
            v4 += set.isIPv6() ? 0 : 1;
        }
        if ((v4 > 1 || sets.size() - v4 > 1) && CniVersion.compare(request.cniVersion(), CniVersion.V0_3_0) < 0) {
            throw HostLocalErrors.config(
                    "CNI version " + request.cniVersion() + " does not support more than 1 address per family");
        }
        for (int i = 0; i < sets.size(); i++) {
            for (int j = i + 1; j < sets.size(); j++) {
                if (sets.get(i).overlaps(sets.get(j))) {
                    throw HostLocalErrors.config("range set " + i + " overlaps with " + j);
                }
            }
        }
        return sets;
    }

    private static void addSets(List<List<Spec>> out, List<Object> sets, String key) {
        if (sets == null) {
            return;
        }
        for (int i = 0; i < sets.size(); i++) {
            if (!(sets.get(i) instanceof List<?> set)) {
                throw HostLocalErrors.config(key + "[" + i + "] must be an array of range objects");
            }
            List<Spec> specs = new ArrayList<>(set.size());
            for (Object r : set) {
                if (!(r instanceof JsonObject o)) {
                    throw HostLocalErrors.config(key + "[" + i + "] must be an array of range objects");
                }
                specs.add(Spec.of(o));
            }
            out.add(specs);
        }
    }

    /**
     * Replaces each set made of a single {@code usePodCidr} range by one set per matching pod
     * CIDR. {@code usePodCidr} takes every family, unless the config also names
     * {@code usePodCidrIPv6} (Calico's dual-stack form), which then takes the IPv6 one.
     */
    private static List<List<Spec>> expandPodCidrs(
            List<List<Spec>> raw, Request request, JsonObject ipam, PodCidrSource.Factory source) {
        boolean v6Marker = false;
        boolean any = false;
        for (List<Spec> set : raw) {
            for (Spec s : set) {
                v6Marker |= USE_POD_CIDR_IPV6.equalsIgnoreCase(s.subnet);
                any |= USE_POD_CIDR.equalsIgnoreCase(s.subnet) || USE_POD_CIDR_IPV6.equalsIgnoreCase(s.subnet);
            }
        }
        if (!any) {
            return raw;
        }
        List<IpPrefix> cidrs = null;
        List<List<Spec>> out = new ArrayList<>();
        for (List<Spec> set : raw) {
            Spec marker = null;
            for (Spec s : set) {
                if (USE_POD_CIDR.equalsIgnoreCase(s.subnet) || USE_POD_CIDR_IPV6.equalsIgnoreCase(s.subnet)) {
                    marker = s;
                }
            }
            if (marker == null) {
                out.add(set);
                continue;
            }
            if (set.size() != 1 || marker.hasBounds()) {
                throw HostLocalErrors.config("\"subnet\": \"" + marker.subnet + "\" must be alone in its range set,"
                        + " without rangeStart, rangeEnd or gateway");
            }
            cidrs = cidrs != null ? cidrs : source.forRequest(request, ipam).podCidrs();
            boolean onlyV6 = USE_POD_CIDR_IPV6.equalsIgnoreCase(marker.subnet);
            boolean onlyV4 = !onlyV6 && v6Marker;
            int before = out.size();
            for (IpPrefix c : cidrs) {
                if ((!onlyV6 || c.isIPv6()) && (!onlyV4 || !c.isIPv6())) {
                    out.add(List.of(new Spec(c.toString(), null, null, null)));
                }
            }
            if (out.size() == before) {
                throw HostLocalErrors.podCidrNotReady(
                        marker.subnet + " found but the node has no " + (onlyV6 ? "IPv6" : "IPv4") + " pod CIDR yet");
            }
        }
        return out;
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
