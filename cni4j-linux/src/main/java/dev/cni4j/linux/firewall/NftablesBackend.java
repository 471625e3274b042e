package dev.cni4j.linux.firewall;

import dev.cni4j.linux.NetNs;

/** nftables through {@link Nft} ({@code nft -f -} or libnftables): each {@link #apply} is one transaction. */
public final class NftablesBackend implements FirewallBackend {
    private final NetNs ns;

    /** @param ns namespace to work in, null for the calling thread's */
    public NftablesBackend(NetNs ns) {
        this.ns = ns;
    }

    @Override
    public String name() {
        return "nftables";
    }

    @Override
    public void apply(String script) {
        Nft.run(ns, script);
    }

    @Override
    public String list() {
        return Nft.run(ns, "list ruleset");
    }

    @Override
    public boolean chainExists(String table, String chain) {
        return Nft.tryRun(ns, "list chain " + family(table) + " " + name(table) + " " + chain).ok();
    }

    /** Deletes a table, whether or not it exists ("add; delete" in one transaction: nft 1.0.6 has no destroy). */
    public void deleteTable(String table) {
        apply("add table " + table + "\ndelete table " + table + "\n");
    }

    @Override
    public int deleteRulesWithComment(String table, String chain, String comment) {
        Nft.Result r = Nft.tryRun(ns, "list chain " + family(table) + " " + name(table) + " " + chain, "-a");
        if (!r.ok()) return 0;
        StringBuilder script = new StringBuilder();
        int n = 0;
        String needle = "comment \"" + comment + "\"";
        for (String line : r.stdout().split("\n")) {
            int c = line.indexOf(needle);
            int h = line.lastIndexOf("# handle ");
            if (c < 0 || h < c) continue;
            script.append("delete rule ").append(table).append(' ').append(chain)
                    .append(" handle ").append(line.substring(h + 9).trim()).append('\n');
            n++;
        }
        if (n > 0) apply(script.toString());
        return n;
    }

    @Override
    public void deleteChain(String table, String chain) {
        if (!chainExists(table, chain)) return;
        apply("flush chain " + table + " " + chain + "\ndelete chain " + table + " " + chain + "\n");
    }

    private static String family(String table) {
        int sp = table.indexOf(' ');
        if (sp < 0) throw new IllegalArgumentException("nftables table must be \"FAMILY NAME\", got \"" + table + "\"");
        return table.substring(0, sp);
    }

    private static String name(String table) {
        return table.substring(table.indexOf(' ') + 1);
    }
}
