package dev.cni4j.linux.firewall;

import dev.cni4j.linux.NetNs;
import java.util.List;

/**
 * iptables through {@code iptables-restore --noflush} (or ip6tables-restore): each
 * {@link #apply} is one batch ("*nat ... COMMIT"), never one process per rule.
 */
public final class IptablesBackend implements FirewallBackend {
    private static final int ATTEMPTS = 3;
    private final NetNs ns;
    private final String prefix;

    private IptablesBackend(NetNs ns, String prefix) {
        this.ns = ns;
        this.prefix = prefix;
    }

    /** IPv4 rules in {@code ns} (null = calling thread's namespace). */
    public static IptablesBackend ipv4(NetNs ns) {
        return new IptablesBackend(ns, "iptables");
    }

    /** IPv6 rules in {@code ns}. */
    public static IptablesBackend ipv6(NetNs ns) {
        return new IptablesBackend(ns, "ip6tables");
    }

    /** ip6tables in the same namespace as this backend (a dual-stack caller needs both families). */
    public IptablesBackend ipv6Counterpart() {
        return new IptablesBackend(ns, "ip6tables");
    }

    @Override
    public String name() {
        return prefix;
    }

    /**
     * Whether {@code table} can hold any rules in this backend's namespace, answered by the kernel
     * in well under a millisecond (see {@link NftTableProbe}); false means a listing would be
     * empty, so cleanup that finds its rules by listing can skip the {@code -save} exec.
     */
    public boolean mayHaveTable(String table) {
        requireNames(table, "x");
        boolean v6 = prefix.startsWith("ip6");
        return ns == null ? NftTableProbe.mayHaveTable(v6, table) : ns.run(() -> NftTableProbe.mayHaveTable(v6, table));
    }

    @Override
    public void apply(String script) {
        Exec.check(ns, script, List.of(prefix + "-restore", "--noflush"));
    }

    @Override
    public String list() {
        return Exec.check(ns, null, List.of(prefix + "-save"));
    }

    /** iptables-save of one table. */
    public String list(String table) {
        requireNames(table, "x");
        return Exec.check(ns, null, List.of(prefix + "-save", "-t", table));
    }

    @Override
    public boolean chainExists(String table, String chain) {
        requireNames(table, chain);
        for (String line : list(table).split("\n")) {
            if (line.startsWith(":" + chain + " ")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int deleteRulesWithComment(String table, String chain, String comment) {
        requireNames(table, chain);
        // retried with a fresh listing when a concurrent caller deleted some of them in between
        for (int attempt = 1; ; attempt++) {
            StringBuilder script = new StringBuilder("*").append(table).append('\n');
            int n = 0;
            String rulePrefix = "-A " + chain + " ";
            for (String line : list(table).split("\n")) {
                if (!line.startsWith(rulePrefix) || !hasComment(line, comment)) {
                    continue;
                }
                script.append("-D ").append(line, 3, line.length()).append('\n');
                n++;
            }
            if (n == 0) {
                return 0;
            }
            try {
                apply(script.append("COMMIT\n").toString());
                return n;
            } catch (FirewallException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** iptables-save prints {@code --comment X} or {@code --comment "X Y"}. */
    static boolean hasComment(String line, String comment) {
        return line.contains("--comment " + comment + " ")
                || line.endsWith("--comment " + comment)
                || line.contains("--comment \"" + comment + "\"");
    }

    @Override
    public void deleteChain(String table, String chain) {
        requireNames(table, chain);
        for (int attempt = 1; ; attempt++) {
            if (!chainExists(table, chain)) {
                return;
            }
            try {
                apply("*" + table + "\n-F " + chain + "\n-X " + chain + "\nCOMMIT\n");
                return;
            } catch (FirewallException e) {
                if (attempt >= ATTEMPTS) {
                    throw e; // else: deleted meanwhile by a concurrent caller? look again
                }
            }
        }
    }

    /** Table and chain names go into restore batches as they are: a built-in table and a plain chain name. */
    private static void requireNames(String table, String chain) {
        if (!java.util.Set.of("nat", "filter", "raw", "mangle", "security").contains(table)) {
            throw new IllegalArgumentException("not an iptables table: \"" + ScriptText.shortened(table) + "\"");
        }
        String why = ScriptText.iptablesChainProblem(chain);
        if (why != null) {
            throw new IllegalArgumentException("iptables chain \"" + ScriptText.shortened(chain) + "\": " + why);
        }
    }
}
