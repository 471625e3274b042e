package dev.cni4j.agent.route;

import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.net.IpPrefix;

/**
 * Masquerades traffic from pods that leaves the cluster, never pod-to-pod traffic (the
 * Kubernetes network model: no NAT between pods): IPv4 for the cluster CIDR, IPv6 too when an
 * IPv6 cluster CIDR is set. nftables: table {@code inet cni4j_agent} (one rule per family);
 * iptables: chain {@code CNI4J-AGENT-MASQ} in nat, jumped to from POSTROUTING, in iptables and
 * (IPv6) ip6tables. Each {@link #apply} replaces the whole rule set of a family in one
 * transaction, so it is idempotent.
 */
public final class EgressMasquerade {
    static final String NFT_TABLE = "inet cni4j_agent";
    static final String IPT_CHAIN = "CNI4J-AGENT-MASQ";
    private final FirewallBackend firewall;
    private final IpPrefix cluster;
    private final IpPrefix clusterV6;

    public EgressMasquerade(FirewallBackend firewall, IpPrefix cluster) {
        this(firewall, cluster, null);
    }

    /** {@code clusterV6} null: no IPv6 masquerade. */
    public EgressMasquerade(FirewallBackend firewall, IpPrefix cluster, IpPrefix clusterV6) {
        this.firewall = firewall;
        this.cluster = cluster;
        this.clusterV6 = clusterV6;
    }

    public String backendName() {
        return firewall.name();
    }

    public void apply() {
        if (firewall instanceof IptablesBackend ipt) {
            applyIptables(ipt, cluster);
            if (clusterV6 != null) {
                applyIptables(ipt.ipv6Counterpart(), clusterV6);
            } else {
                removeIpv6Leftovers(ipt.ipv6Counterpart());
            }
        } else {
            firewall.apply(nftScript(cluster, clusterV6));
        }
    }

    /** Removes the rules of both families (uninstall only: a stopping agent leaves pods' networking as it is). */
    public void remove() {
        if (firewall instanceof NftablesBackend nft) {
            nft.deleteTable(NFT_TABLE);
        } else if (firewall instanceof IptablesBackend ipt) {
            removeIptables(ipt);
            if (clusterV6 != null) {
                removeIptables(ipt.ipv6Counterpart());
            } else {
                removeIpv6Leftovers(ipt.ipv6Counterpart());
            }
        }
    }

    static String nftScript(IpPrefix cluster) {
        return nftScript(cluster, null);
    }

    static String nftScript(IpPrefix cluster, IpPrefix clusterV6) {
        String c = cluster.toString();
        // "add; delete; add" = replace the table atomically, whether or not it existed (nft 1.0.6 has no destroy)
        return "add table " + NFT_TABLE + "\n"
                + "delete table " + NFT_TABLE + "\n"
                + "table " + NFT_TABLE + " {\n"
                + "  chain postrouting {\n"
                + "    type nat hook postrouting priority srcnat; policy accept;\n"
                + "    ip saddr " + c + " ip daddr != " + c + " masquerade comment \"cni4j-agent egress\"\n"
                + (clusterV6 == null
                        ? ""
                        : "    ip6 saddr " + clusterV6 + " ip6 daddr != " + clusterV6
                                + " masquerade comment \"cni4j-agent egress\"\n")
                + "  }\n"
                + "}\n";
    }

    /** The nat table script of one family (iptables-restore and ip6tables-restore take the same). */
    static String iptablesScript(IpPrefix cluster, boolean addJump) {
        String c = cluster.toString();
        return "*nat\n"
                + ":" + IPT_CHAIN + " - [0:0]\n" // declaring the chain flushes it: the rules below replace the old ones
                + "-A " + IPT_CHAIN + " -d " + c + " -j RETURN\n"
                + "-A " + IPT_CHAIN + " -j MASQUERADE\n"
                + (addJump ? "-A POSTROUTING -s " + c + " -m comment --comment cni4j-agent -j " + IPT_CHAIN + "\n" : "")
                + "COMMIT\n";
    }

    private static void applyIptables(IptablesBackend ipt, IpPrefix cluster) {
        boolean hasJump = false;
        for (String line : ipt.list("nat").split("\n")) {
            if (line.startsWith("-A POSTROUTING ") && line.contains("-j " + IPT_CHAIN)) {
                hasJump = true;
            }
        }
        ipt.apply(iptablesScript(cluster, !hasJump));
    }

    private static void removeIptables(IptablesBackend ipt) {
        ipt.deleteRulesWithComment("nat", "POSTROUTING", "cni4j-agent");
        ipt.deleteChain("nat", IPT_CHAIN);
    }

    /**
     * Without an IPv6 cluster CIDR, IPv6 rules can only be left from an earlier configuration:
     * removed if ip6tables works, and no error if it does not (an IPv4-only node may lack it).
     */
    private static void removeIpv6Leftovers(IptablesBackend ip6t) {
        try {
            removeIptables(ip6t);
        } catch (RuntimeException noIp6tables) {
            // not installed or no IPv6 nat table: nothing of ours can be there
        }
    }
}
