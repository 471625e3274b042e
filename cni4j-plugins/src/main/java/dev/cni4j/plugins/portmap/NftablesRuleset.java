package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.firewall.NftLayout;
import dev.cni4j.linux.firewall.ScriptText;
import java.util.List;

/**
 * The static part of the {@code inet cni4j_hostport} table, declared by an ADD only when it is
 * missing or stale ({@link NftLayout}; 3-10 ms per ADD when it was every time), in the same
 * transaction as the ADD's elements: {@code add} of tables, maps, sets and chains is idempotent,
 * and each base chain is flushed and refilled, so concurrent or repeated ADDs converge without
 * reading it first.
 *
 * <p>Only locally destined traffic is intercepted ({@code fib daddr type local}), so a hostPort
 * 53 does not capture DNS routed through the node. Packets to 127/8 arriving on any interface but
 * lo are dropped before routing: {@code route_localnet=1} (needed for 127.0.0.1:hostPort) would
 * otherwise let them in from the pod network.
 */
final class NftablesRuleset {
    private static final String T = NftHostportTable.TABLE;

    private NftablesRuleset() {}

    /** Declared only when missing or stale ({@link NftLayout}). */
    static final NftLayout LAYOUT = new NftLayout(T, layout());

    /** The layout's declaration, for a transaction that reads the table first anyway. */
    static String base() {
        return LAYOUT.declaration();
    }

    private static String layout() {
        StringBuilder s = new StringBuilder();
        s.append("add table ").append(T).append('\n');
        for (String f : List.of("4", "6")) {
            String addr = f.equals("4") ? "ipv4_addr" : "ipv6_addr";
            s.append("add map ")
                    .append(T)
                    .append(" hostports")
                    .append(f)
                    .append(" { type inet_proto . inet_service : ")
                    .append(addr)
                    .append(" . inet_service; }\n");
            s.append("add map ")
                    .append(T)
                    .append(" hostip_hostports")
                    .append(f)
                    .append(" { type ")
                    .append(addr)
                    .append(" . inet_proto . inet_service : ")
                    .append(addr)
                    .append(" . inet_service; }\n");
            s.append("add set ")
                    .append(T)
                    .append(" masq_pairs")
                    .append(f)
                    .append(" { type ")
                    .append(addr)
                    .append(" . ")
                    .append(addr)
                    .append("; }\n");
            s.append("add set ")
                    .append(T)
                    .append(" masq_all")
                    .append(f)
                    .append(" { type ")
                    .append(addr)
                    .append("; }\n");
            // every attachment's hostPorts, keyed by pod: where a hostPort goes back to when its newer holder leaves
            s.append("add map ")
                    .append(T)
                    .append(" standby")
                    .append(f)
                    .append(" { type ")
                    .append(addr)
                    .append(" . ")
                    .append(addr)
                    .append(" . inet_proto . inet_service : ")
                    .append(addr)
                    .append(" . inet_service; }\n");
        }
        chain(s, "conditioned", null);
        chain(
                s,
                "hostports",
                null,
                "jump conditioned",
                "meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @hostip_hostports4",
                "meta nfproto ipv4 dnat ip to meta l4proto . th dport map @hostports4",
                "meta nfproto ipv6 dnat ip6 to ip6 daddr . meta l4proto . th dport map @hostip_hostports6",
                "meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @hostports6");
        chain(
                s,
                "prerouting",
                "type nat hook prerouting priority dstnat; policy accept;",
                "fib daddr type local jump hostports");
        chain(
                s,
                "output",
                "type nat hook output priority -100; policy accept;", // "dstnat" is prerouting-only in nft 1.0
                "fib daddr type local jump hostports");
        chain(
                s,
                "masquerading",
                "type nat hook postrouting priority srcnat; policy accept;",
                "ct status dnat ip saddr . ip daddr @masq_pairs4 masquerade",
                "ct status dnat ip daddr @masq_all4 masquerade",
                "ct status dnat ip6 saddr . ip6 daddr @masq_pairs6 masquerade",
                "ct status dnat ip6 daddr @masq_all6 masquerade");
        chain(
                s,
                "martians",
                "type filter hook prerouting priority raw; policy accept;",
                "iifname != \"lo\" ip daddr 127.0.0.0/8 drop");
        return s.toString();
    }

    /** Declares a chain; with rules, flushes it and adds them (the conditioned chain keeps its rules). */
    private static void chain(StringBuilder s, String name, String hook, String... rules) {
        s.append("add chain ").append(T).append(' ').append(name);
        s.append(hook == null ? "" : " { " + hook + " }").append('\n');
        if (rules.length == 0) {
            return;
        }
        s.append("flush chain ").append(T).append(' ').append(name).append('\n');
        for (String r : rules) {
            s.append("add rule ")
                    .append(T)
                    .append(' ')
                    .append(name)
                    .append(' ')
                    .append(r)
                    .append('\n');
        }
    }

    /**
     * A per-attachment DNAT rule carrying the config's extra matches, inserted at the top so that
     * the newest attachment of a hostPort wins (as in the maps and the reference's iptables
     * rules) and the older one's rule takes over again when it goes.
     */
    static String conditionedRule(List<String> conditions, boolean v4, PortMapping m, String podIp, String owner) {
        String bad = ScriptText.nftConditionsProblem(conditions);
        if (bad != null) {
            throw new IllegalArgumentException("nft conditions: " + bad);
        }
        String family = v4 ? "ip" : "ip6";
        StringBuilder r = new StringBuilder("insert rule ").append(T).append(" conditioned ");
        r.append(String.join(" ", conditions)).append(" meta nfproto ").append(v4 ? "ipv4" : "ipv6");
        if (m.hostIp() != null) {
            r.append(' ').append(family).append(" daddr ").append(m.hostIp());
        }
        r.append(" meta l4proto ").append(m.protocol()).append(" th dport ").append(m.hostPort());
        r.append(" dnat ")
                .append(family)
                .append(" to ")
                .append(v4 ? podIp : "[" + podIp + "]")
                .append(':')
                .append(m.containerPort());
        return r.append(" comment ").append(ScriptText.nftQuoted(owner)).toString();
    }
}
