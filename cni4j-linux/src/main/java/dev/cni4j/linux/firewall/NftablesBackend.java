package dev.cni4j.linux.firewall;

import dev.cni4j.linux.NetNs;
import java.util.function.Predicate;

/** nftables through {@link Nft} ({@code nft -f -} or libnftables): each {@link #apply} is one transaction. */
public final class NftablesBackend implements FirewallBackend {
    private static final int ATTEMPTS = 3;
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
        requireName(chain);
        return Nft.tryRun(ns, "list chain " + family(table) + " " + name(table) + " " + chain)
                .ok();
    }

    /** Deletes a table, whether or not it exists ("add; delete" in one transaction: nft 1.0.6 has no destroy). */
    public void deleteTable(String table) {
        name(table);
        apply("add table " + table + "\ndelete table " + table + "\n");
    }

    @Override
    public int deleteRulesWithComment(String table, String chain, String comment) {
        return deleteRules(table, chain, comment::equals);
    }

    /**
     * Deletes the rules of {@code table}/{@code chain} whose comment {@code selected} accepts, by
     * handle, in one transaction; returns how many. When the transaction fails because a
     * concurrent caller changed the chain in between (two DELs of one attachment), the chain is
     * listed again and what is still there is deleted, so both callers succeed.
     */
    public int deleteRules(String table, String chain, Predicate<String> selected) {
        requireName(chain);
        for (int attempt = 1; ; attempt++) {
            Nft.Result r = Nft.tryRun(ns, "list chain " + family(table) + " " + name(table) + " " + chain, "-a");
            if (!r.ok()) {
                return 0;
            }
            StringBuilder script = new StringBuilder();
            int n = 0;
            for (String line : r.stdout().split("\n")) {
                String c = comment(line);
                int h = line.lastIndexOf(" # handle ");
                if (c == null || !selected.test(c)) {
                    continue;
                }
                script.append("delete rule ")
                        .append(table)
                        .append(' ')
                        .append(chain)
                        .append(" handle ")
                        .append(line.substring(h + 10).trim())
                        .append('\n');
                n++;
            }
            if (n == 0) {
                return 0;
            }
            try {
                apply(script.toString());
                return n;
            } catch (FirewallException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** The comment of a rule line of {@code nft -a list chain}, or null: {@code ... comment "X" # handle N}. */
    static String comment(String line) {
        int h = line.lastIndexOf(" # handle ");
        int c = line.indexOf(" comment \"");
        if (h < 0 || c < 0 || c > h) {
            return null;
        }
        int end = line.lastIndexOf('"', h);
        return end > c + 9 ? line.substring(c + 10, end) : null;
    }

    @Override
    public void deleteChain(String table, String chain) {
        requireName(chain);
        for (int attempt = 1; ; attempt++) {
            if (!chainExists(table, chain)) {
                return;
            }
            try {
                apply("flush chain " + table + " " + chain + "\ndelete chain " + table + " " + chain + "\n");
                return;
            } catch (FirewallException e) {
                if (attempt >= ATTEMPTS) {
                    throw e; // else: deleted meanwhile by a concurrent caller? look again
                }
            }
        }
    }

    private static String family(String table) {
        int sp = table.indexOf(' ');
        if (sp < 0) {
            throw new IllegalArgumentException(
                    "nftables table must be \"FAMILY NAME\", got \"" + ScriptText.shortened(table) + "\"");
        }
        return requireName(table.substring(0, sp));
    }

    private static String name(String table) {
        family(table);
        return requireName(table.substring(table.indexOf(' ') + 1));
    }

    /**
     * Table, family and chain names are written into scripts unquoted (nft 1.0.6's text syntax
     * has no quoted names), so they must be plain identifiers; ours always are.
     */
    private static String requireName(String name) {
        if (!name.matches("[A-Za-z][A-Za-z0-9_.\\-]{0,254}")) {
            throw new IllegalArgumentException("not an nft identifier: \"" + ScriptText.shortened(name) + "\"");
        }
        return name;
    }
}
