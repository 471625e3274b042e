package dev.cni4j.agent;

import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;

/**
 * Masquerades traffic from pods that leaves the cluster, never pod-to-pod traffic (the
 * Kubernetes network model: no NAT between pods). nftables: table {@code inet cni4j_agent};
 * iptables: chain {@code CNI4J-AGENT-MASQ} in nat, jumped to from POSTROUTING.
 * Each {@link #apply} replaces the whole rule set in one transaction, so it is idempotent.
 */
public final class EgressMasquerade {
    static final String NFT_TABLE = "inet cni4j_agent";
    static final String IPT_CHAIN = "CNI4J-AGENT-MASQ";
    private final FirewallBackend firewall;
    private final Cidr cluster;

    public EgressMasquerade(FirewallBackend firewall, Cidr cluster) {
        this.firewall = firewall;
        this.cluster = cluster;
    }

    public String backendName() {
        return firewall.name();
    }

    public void apply() {
        if (firewall instanceof IptablesBackend ipt) applyIptables(ipt);
        else firewall.apply(nftScript(cluster));
    }

    /** Removes the rules (uninstall only: a stopping agent leaves pods' networking as it is). */
    public void remove() {
        if (firewall instanceof NftablesBackend nft) nft.deleteTable(NFT_TABLE);
        else if (firewall instanceof IptablesBackend ipt) {
            ipt.deleteRulesWithComment("nat", "POSTROUTING", "cni4j-agent");
            ipt.deleteChain("nat", IPT_CHAIN);
        }
    }

    static String nftScript(Cidr cluster) {
        String c = cluster.toString();
        // "add; delete; add" = replace the table atomically, whether or not it existed (nft 1.0.6 has no destroy)
        return "add table " + NFT_TABLE + "\n"
                + "delete table " + NFT_TABLE + "\n"
                + "table " + NFT_TABLE + " {\n"
                + "  chain postrouting {\n"
                + "    type nat hook postrouting priority srcnat; policy accept;\n"
                + "    ip saddr " + c + " ip daddr != " + c + " masquerade comment \"cni4j-agent egress\"\n"
                + "  }\n"
                + "}\n";
    }

    static String iptablesScript(Cidr cluster, boolean addJump) {
        String c = cluster.toString();
        return "*nat\n"
                + ":" + IPT_CHAIN + " - [0:0]\n" // declaring the chain flushes it: the rules below replace the old ones
                + "-A " + IPT_CHAIN + " -d " + c + " -j RETURN\n"
                + "-A " + IPT_CHAIN + " -j MASQUERADE\n"
                + (addJump ? "-A POSTROUTING -s " + c + " -m comment --comment cni4j-agent -j " + IPT_CHAIN + "\n" : "")
                + "COMMIT\n";
    }

    private void applyIptables(IptablesBackend ipt) {
        boolean hasJump = false;
        for (String line : ipt.list("nat").split("\n")) {
            if (line.startsWith("-A POSTROUTING ") && line.contains("-j " + IPT_CHAIN)) hasJump = true;
        }
        ipt.apply(iptablesScript(cluster, !hasJump));
    }
}
