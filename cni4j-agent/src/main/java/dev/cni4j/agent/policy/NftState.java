package dev.cni4j.agent.policy;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The content of our nft table as data: what {@link NftPolicyRenderer} turns a
 * {@link CompiledPolicy} into, and what {@link NftPolicyDiff} compares. Every name and element in
 * it is built from validated values only (addresses, prefixes, numbers, hash-derived ids); the
 * only free text is in rule comments, and that went through {@link NftPolicyRenderer#comment}.
 *
 * @param sets     by name: type, interval flag and elements (as nft writes them)
 * @param counters named counters (one per policy rule and direction)
 * @param chains   the per-pod chains by name, each its rules in order (base chain and maps are fixed)
 * @param maps     the four dispatch verdict maps by name: element (a pod address) to verdict
 */
record NftState(
        SortedMap<String, NftSet> sets,
        SortedSet<String> counters,
        SortedMap<String, List<String>> chains,
        SortedMap<String, SortedMap<String, String>> maps) {

    public NftState {
        sets = Collections.unmodifiableSortedMap(new TreeMap<>(sets));
        counters = Collections.unmodifiableSortedSet(new TreeSet<>(counters));
        TreeMap<String, List<String>> c = new TreeMap<>();
        chains.forEach((k, v) -> c.put(k, List.copyOf(v)));
        chains = Collections.unmodifiableSortedMap(c);
        TreeMap<String, SortedMap<String, String>> m = new TreeMap<>();
        maps.forEach((k, v) -> m.put(k, Collections.unmodifiableSortedMap(new TreeMap<>(v))));
        maps = Collections.unmodifiableSortedMap(m);
    }

    /**
     * A named set.
     *
     * @param type     e.g. {@code ipv4_addr} or {@code ipv4_addr . inet_proto . inet_service}
     * @param interval whether it holds prefixes ({@code flags interval})
     */
    public record NftSet(String type, boolean interval, SortedSet<String> elements) {
        public NftSet {
            elements = Collections.unmodifiableSortedSet(new TreeSet<>(elements));
        }

        String declaration() {
            return "{ type " + type + ";" + (interval ? " flags interval;" : "") + " }";
        }
    }
}
