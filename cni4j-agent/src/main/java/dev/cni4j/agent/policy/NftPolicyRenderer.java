package dev.cni4j.agent.policy;

import dev.cni4j.agent.policy.CompiledPolicy.AllowRule;
import dev.cni4j.agent.policy.CompiledPolicy.DirectionRules;
import dev.cni4j.agent.policy.CompiledPolicy.PodRules;
import dev.cni4j.agent.policy.CompiledPolicy.PortRange;
import dev.cni4j.agent.policy.NftState.NftSet;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Renders a {@link CompiledPolicy} into our own nftables table {@value #TABLE}:
 *
 * <pre>
 *   chain forward (hook forward, policy accept)
 *     ct state established,related accept          replies of allowed connections
 *     icmpv6 neighbour/router discovery accept
 *     ip saddr vmap @egress_v4   ─jump─▶ chain q&lt;pod&gt;_out: node → return, rules → return, else drop
 *     ip6 saddr vmap @egress_v6
 *     ip daddr vmap @ingress_v4  ─jump─▶ chain q&lt;pod&gt;_in:  node → accept, rules → accept, else drop
 *     ip6 daddr vmap @ingress_v6
 *   sets p&lt;id&gt;_v4/_v6   pod addresses of a (namespace, pod) selector, shared by every rule using it
 *        c&lt;id&gt;_v4/_v6   an ipBlock minus its excepts (interval)
 *        n&lt;id&gt;_v4/_v6   a named port resolved per pod: addr . inet_proto . inet_service
 *        node_v4/_v6     this node's addresses
 *   counters k&lt;id&gt;        one per policy, direction and rule: its accepted packets and bytes
 * </pre>
 *
 * Only pods isolated in a direction have an element in that direction's map. Every name is a
 * fixed word or a hash-derived id, every element an address, prefix or number: no API string
 * reaches the script except through {@link #comment}, which keeps a strict set of characters.
 *
 * <p>{@link Options} add two things. Logged drops: before a pod chain's final drop, a rule
 * {@code limit rate N/second burst N packets log prefix "cni4j-drop q<pod>_in "} (the prefix is
 * {@link #dropLogPrefix}, built from the chain name only; {@code /policy/drops} resolves it to the
 * pod). Cut established connections: sets {@code isolated_v4/_v6} of the pods isolated in any
 * direction, and in the forward chain a drop of TCP packets to or from them that would start a
 * conntrack entry without SYN or RST (conntrack's loose pick-up of a connection whose entry the
 * agent deleted, which would otherwise come back from the side that may still send).
 */
public final class NftPolicyRenderer {
    public static final String TABLE = "inet cni4j_policy";
    private static final int COMMENT_MAX = 100;
    /** What every drop log prefix starts with. */
    public static final String DROP_LOG_PREFIX = "cni4j-drop ";

    /**
     * How the table is rendered beyond the compiled state.
     *
     * @param logDropsPerSecond  0: drops are not logged; else each pod chain logs at most this many
     *                           dropped packets a second (and a burst of as many)
     * @param strictEstablished  whether TCP packets picked up mid-stream by conntrack are dropped
     *                           for isolated pods (with {@code networkPolicyEstablished=cut})
     */
    public record Options(int logDropsPerSecond, boolean strictEstablished) {
        public static final Options DEFAULT = new Options(0, false);

        public Options {
            if (logDropsPerSecond < 0) {
                throw new IllegalArgumentException("logDropsPerSecond < 0: " + logDropsPerSecond);
            }
        }
    }

    private NftPolicyRenderer() {}

    /** The whole table, replaced in one transaction (counters start from zero). */
    public static String fullScript(CompiledPolicy c) {
        return fullScript(c, Options.DEFAULT);
    }

    public static String fullScript(CompiledPolicy c, Options o) {
        return fullScript(state(c, o), o);
    }

    static String fullScript(NftState s) {
        return fullScript(s, Options.DEFAULT);
    }

    public static String fullScript(NftState s, Options o) {
        StringBuilder sb = new StringBuilder();
        // "add; delete; add" replaces the table atomically whether or not it existed
        sb.append("add table ").append(TABLE).append('\n');
        sb.append("delete table ").append(TABLE).append('\n');
        sb.append("add table ").append(TABLE).append('\n');
        for (String k : s.counters()) {
            sb.append("add counter ").append(TABLE).append(' ').append(k).append('\n');
        }
        sb.append("table ").append(TABLE).append(" {\n");
        s.sets().forEach((name, set) -> {
            sb.append("  set ")
                    .append(name)
                    .append(" {\n    type ")
                    .append(set.type())
                    .append(";\n");
            if (set.interval()) {
                sb.append("    flags interval;\n");
            }
            if (!set.elements().isEmpty()) {
                sb.append("    elements = { ")
                        .append(String.join(", ", set.elements()))
                        .append(" }\n");
            }
            sb.append("  }\n");
        });
        s.chains().forEach((name, rules) -> {
            sb.append("  chain ").append(name).append(" {\n");
            for (String r : rules) {
                sb.append("    ").append(r).append('\n');
            }
            sb.append("  }\n");
        });
        s.maps().forEach((name, elements) -> {
            sb.append("  map ")
                    .append(name)
                    .append(" {\n    type ")
                    .append(name.endsWith("_v4") ? "ipv4_addr" : "ipv6_addr")
                    .append(" : verdict;\n");
            if (!elements.isEmpty()) {
                List<String> es = new ArrayList<>();
                elements.forEach((k, v) -> es.add(k + " : " + v));
                sb.append("    elements = { ").append(String.join(", ", es)).append(" }\n");
            }
            sb.append("  }\n");
        });
        sb.append("""
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    ct state established,related accept
                %s    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } \
                accept
                    ip saddr vmap @egress_v4
                    ip6 saddr vmap @egress_v6
                    ip daddr vmap @ingress_v4
                    ip6 daddr vmap @ingress_v6
                  }
                }
                """.formatted(o.strictEstablished() ? STRICT_RULES : ""));
        return sb.toString();
    }

    /** In the forward chain with {@link Options#strictEstablished}: no mid-stream pick-up for isolated pods. */
    private static final String STRICT_RULES = """
                ip saddr @isolated_v4 tcp flags & (syn | rst) == 0 ct state new drop
                ip daddr @isolated_v4 tcp flags & (syn | rst) == 0 ct state new drop
                ip6 saddr @isolated_v6 tcp flags & (syn | rst) == 0 ct state new drop
                ip6 daddr @isolated_v6 tcp flags & (syn | rst) == 0 ct state new drop
            """;

    /** The table's content as data (for diffs). */
    public static NftState state(CompiledPolicy c) {
        return state(c, Options.DEFAULT);
    }

    /**
     * The log prefix of a pod chain's dropped packets: {@value #DROP_LOG_PREFIX} and the chain
     * name ({@code q} and 16 hex digits, {@code _in} or {@code _out}), never an API string.
     */
    public static String dropLogPrefix(String chain) {
        if (!chain.matches("q[0-9a-f]{16}_(in|out)")) {
            throw new IllegalArgumentException("not a pod chain name: " + chain);
        }
        return DROP_LOG_PREFIX + chain + " ";
    }

    /** The name of a pod's chain for one direction. */
    public static String chainName(PodRules p, Direction d) {
        return p.id() + (d == Direction.INGRESS ? "_in" : "_out");
    }

    public static NftState state(CompiledPolicy c, Options o) {
        SortedMap<String, NftSet> sets = new TreeMap<>();
        sets.put("node_v4", addressSet(c.nodeAddresses(), false));
        sets.put("node_v6", addressSet(c.nodeAddresses(), true));
        for (AddressSet s : c.sets().values()) {
            sets.putAll(sets(s));
        }
        TreeSet<String> counters = new TreeSet<>();
        SortedMap<String, List<String>> chains = new TreeMap<>();
        SortedMap<String, SortedMap<String, String>> maps = emptyMaps();
        for (PodRules p : c.pods()) {
            pod(c, p, o).addTo(chains, counters, maps);
        }
        if (o.strictEstablished()) {
            isolated(c, sets);
        }
        return new NftState(sets, counters, chains, maps);
    }

    private static SortedMap<String, SortedMap<String, String>> emptyMaps() {
        SortedMap<String, SortedMap<String, String>> maps = new TreeMap<>();
        for (String m : List.of("egress_v4", "egress_v6", "ingress_v4", "ingress_v6")) {
            maps.put(m, new TreeMap<>());
        }
        return maps;
    }

    /** With {@link Options#strictEstablished}: the sets of the addresses of pods isolated in any direction. */
    private static void isolated(CompiledPolicy c, SortedMap<String, NftSet> sets) {
        TreeSet<IpAddress> isolated = new TreeSet<>();
        for (PodRules p : c.pods()) {
            if (p.ingress().isolated() || p.egress().isolated()) {
                isolated.addAll(p.addresses());
            }
        }
        sets.put("isolated_v4", addressSet(isolated, false));
        sets.put("isolated_v6", addressSet(isolated, true));
    }

    /** The nft sets of one address set: both families, but an ipBlock's only where it has prefixes. */
    private static SortedMap<String, NftSet> sets(AddressSet s) {
        SortedMap<String, NftSet> sets = new TreeMap<>();
        for (boolean v6 : new boolean[] {false, true}) {
            String name = s.id() + (v6 ? "_v6" : "_v4");
            switch (s) {
                case AddressSet.PodAddresses p -> sets.put(name, addressSet(p.members(), v6));
                case AddressSet.Cidrs cs -> {
                    TreeSet<String> e = new TreeSet<>();
                    for (IpPrefix p : cs.prefixes()) {
                        if (p.isIPv6() == v6) {
                            e.add(p.toString());
                        }
                    }
                    if (!e.isEmpty()) {
                        sets.put(name, new NftSet(addrType(v6), true, e));
                    }
                }
                case AddressSet.NamedPorts n -> {
                    TreeSet<String> e = new TreeSet<>();
                    for (AddressSet.Endpoint ep : n.members()) {
                        if (ep.address().isIPv6() == v6) {
                            e.add(ep.address() + " . " + ep.protocol().number() + " . " + ep.port());
                        }
                    }
                    sets.put(name, new NftSet(addrType(v6) + " . inet_proto . inet_service", false, e));
                }
            }
        }
        return sets;
    }

    /** Whether the nft sets of {@code s} have one for this family ({@link #sets}). */
    private static boolean hasFamily(AddressSet s, boolean v6) {
        if (!(s instanceof AddressSet.Cidrs cs)) {
            return true;
        }
        for (IpPrefix p : cs.prefixes()) {
            if (p.isIPv6() == v6) {
                return true;
            }
        }
        return false;
    }

    /** What one local pod adds to the table: its chains, their counters, its dispatch map elements. */
    private record PodPart(SortedMap<String, List<String>> chains, List<String> counters, List<String[]> mapElements) {
        void addTo(
                SortedMap<String, List<String>> allChains,
                TreeSet<String> allCounters,
                SortedMap<String, SortedMap<String, String>> maps) {
            allChains.putAll(chains);
            allCounters.addAll(counters);
            for (String[] e : mapElements) {
                maps.get(e[0]).put(e[1], e[2]);
            }
        }
    }

    private static PodPart pod(CompiledPolicy c, PodRules p, Options o) {
        SortedMap<String, List<String>> chains = new TreeMap<>();
        TreeSet<String> counters = new TreeSet<>();
        List<String[]> mapElements = new ArrayList<>();
        for (Direction d : Direction.values()) {
            DirectionRules dr = p.direction(d);
            if (!dr.isolated()) {
                continue;
            }
            String chain = chainName(p, d);
            chains.put(chain, List.copyOf(chainRules(c, p, d, dr, counters, chain, o)));
            for (IpAddress a : p.addresses()) {
                mapElements.add(new String[] {
                    (d == Direction.INGRESS ? "ingress" : "egress") + (a.isIPv6() ? "_v6" : "_v4"),
                    a.toString(),
                    "jump " + chain
                });
            }
        }
        return new PodPart(chains, List.copyOf(counters), mapElements);
    }

    /**
     * Renders one state after another, rendering again only the address sets and pods that are
     * not the same objects as in the previous state (what {@link IncrementalPolicyCompiler} keeps);
     * equal to {@link #state(CompiledPolicy, Options)}, and unchanged sets and chains are the
     * previous state's objects, which {@link NftPolicyDiff} skips at once.
     */
    public static final class Incremental {
        private final Options options;
        private IdentityHashMap<AddressSet, SortedMap<String, NftSet>> sets = new IdentityHashMap<>();
        private IdentityHashMap<PodRules, PodPart> pods = new IdentityHashMap<>();
        private SortedSet<IpAddress> nodeAddresses;
        private NftSet nodeV4, nodeV6;

        public Incremental(Options options) {
            this.options = options;
        }

        public NftState state(CompiledPolicy c) {
            if (!c.nodeAddresses().equals(nodeAddresses)) {
                nodeAddresses = c.nodeAddresses();
                nodeV4 = addressSet(nodeAddresses, false);
                nodeV6 = addressSet(nodeAddresses, true);
            }
            SortedMap<String, NftSet> all = new TreeMap<>();
            all.put("node_v4", nodeV4);
            all.put("node_v6", nodeV6);
            IdentityHashMap<AddressSet, SortedMap<String, NftSet>> nextSets = new IdentityHashMap<>();
            for (AddressSet s : c.sets().values()) {
                SortedMap<String, NftSet> r = sets.get(s);
                if (r == null) {
                    r = NftPolicyRenderer.sets(s);
                }
                nextSets.put(s, r);
                all.putAll(r);
            }
            TreeSet<String> counters = new TreeSet<>();
            SortedMap<String, List<String>> chains = new TreeMap<>();
            SortedMap<String, SortedMap<String, String>> maps = emptyMaps();
            IdentityHashMap<PodRules, PodPart> nextPods = new IdentityHashMap<>();
            for (PodRules p : c.pods()) {
                PodPart part = pods.get(p);
                if (part == null) {
                    part = pod(c, p, options);
                }
                nextPods.put(p, part);
                part.addTo(chains, counters, maps);
            }
            if (options.strictEstablished()) {
                isolated(c, all);
            }
            sets = nextSets;
            pods = nextPods;
            return new NftState(all, counters, chains, maps);
        }
    }

    private static List<String> chainRules(
            CompiledPolicy c,
            PodRules p,
            Direction d,
            DirectionRules dr,
            TreeSet<String> counters,
            String chain,
            Options o) {
        boolean in = d == Direction.INGRESS;
        String dir = in ? "ingress" : "egress";
        String peerField = in ? "saddr" : "daddr";
        String allow = in ? "accept" : "return";
        List<String> rules = new ArrayList<>();
        rules.add("ip " + peerField + " @node_v4 " + allow);
        rules.add("ip6 " + peerField + " @node_v6 " + allow);
        for (AllowRule r : dr.rules()) {
            String counter = PolicyCompiler.id(
                    'k', "counter " + r.policy().namespace() + "/" + r.policy().name() + " " + dir + " " + r.rule());
            counters.add(counter);
            String tail = "counter name " + counter + " " + allow + " comment \""
                    + comment(r.policy() + " " + dir + " rule " + r.rule()) + "\"";
            List<String> peerMatches = new ArrayList<>();
            AddressSet set = r.peerSetId() == null ? null : c.sets().get(r.peerSetId());
            if (set == null) {
                peerMatches.add("");
            } else {
                for (boolean v6 : new boolean[] {false, true}) {
                    String name = set.id() + (v6 ? "_v6" : "_v4");
                    if (!hasFamily(set, v6)) {
                        continue; // an ipBlock of the other family only
                    }
                    String family = v6 ? "ip6 " : "ip ";
                    peerMatches.add(
                            set instanceof AddressSet.NamedPorts
                                    ? family + peerField + " . meta l4proto . th dport @" + name + " "
                                    : family + peerField + " @" + name + " ");
                }
            }
            List<String> portMatches = portMatches(r.ports());
            for (String pm : peerMatches) {
                for (String port : portMatches) {
                    rules.add(pm + port + tail);
                }
            }
        }
        if (o.logDropsPerSecond() > 0) {
            int n = o.logDropsPerSecond();
            rules.add(
                    "limit rate " + n + "/second burst " + n + " packets log prefix \"" + dropLogPrefix(chain) + "\"");
        }
        rules.add("counter drop comment \""
                + comment(p.fullName() + " " + dir + " isolated by "
                        + dr.policies().size() + " policies") + "\"");
        return rules;
    }

    /**
     * One match per protocol: {@code meta l4proto 6} for all its ports, else with
     * {@code th dport 80} or an anonymous set {@code th dport { 80, 8000-8080 }}; one empty match
     * when the rule has no ports (every protocol and port).
     */
    private static List<String> portMatches(List<PortRange> ports) {
        if (ports.isEmpty()) {
            return List.of("");
        }
        Map<Protocol, List<int[]>> byProtocol = new java.util.EnumMap<>(Protocol.class);
        for (PortRange pr : ports) {
            byProtocol.computeIfAbsent(pr.protocol(), k -> new ArrayList<>()).add(new int[] {pr.from(), pr.to()});
        }
        List<String> out = new ArrayList<>();
        byProtocol.forEach((proto, ranges) -> {
            // merged, so the anonymous set never holds overlapping or duplicate intervals
            ranges.sort(java.util.Comparator.comparingInt(r -> r[0]));
            List<int[]> merged = new ArrayList<>();
            for (int[] r : ranges) {
                int[] last = merged.isEmpty() ? null : merged.getLast();
                if (last != null && r[0] <= last[1] + 1) {
                    last[1] = Math.max(last[1], r[1]);
                } else {
                    merged.add(new int[] {r[0], r[1]});
                }
            }
            String m = "meta l4proto " + proto.number() + " ";
            if (!(merged.size() == 1 && merged.getFirst()[0] == 0 && merged.getFirst()[1] == 65535)) {
                List<String> l = merged.stream()
                        .map(r -> r[0] == r[1] ? String.valueOf(r[0]) : r[0] + "-" + r[1])
                        .toList();
                m += "th dport " + (l.size() == 1 ? l.getFirst() : "{ " + String.join(", ", l) + " }") + " ";
            }
            out.add(m);
        });
        return out;
    }

    private static NftSet addressSet(java.util.Collection<IpAddress> addresses, boolean v6) {
        TreeSet<String> e = new TreeSet<>();
        for (IpAddress a : addresses) {
            if (a.isIPv6() == v6) {
                e.add(a.toString());
            }
        }
        return new NftSet(addrType(v6), false, e);
    }

    private static String addrType(boolean v6) {
        return v6 ? "ipv6_addr" : "ipv4_addr";
    }

    /**
     * Human text for a rule comment: letters, digits and {@code . _ / : = -} and spaces kept,
     * anything else (quotes, semicolons, newlines, braces, non-ASCII) becomes {@code _}; at most
     * {@value #COMMENT_MAX} characters (nft allows 128 bytes).
     */
    static String comment(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length() && sb.length() < COMMENT_MAX; i++) {
            char ch = text.charAt(i);
            boolean ok = ch >= 'a' && ch <= 'z'
                    || ch >= 'A' && ch <= 'Z'
                    || ch >= '0' && ch <= '9'
                    || ch == '.'
                    || ch == '_'
                    || ch == '/'
                    || ch == ':'
                    || ch == '='
                    || ch == '-'
                    || ch == ' ';
            sb.append(ok ? ch : '_');
        }
        return sb.toString();
    }
}
