package dev.cni4j.linux.firewall;

import dev.cni4j.linux.NetNs;
import java.util.List;

/**
 * A packet-filtering backend: nftables ({@link NftablesBackend}) or iptables
 * ({@link IptablesBackend}). Every change is one batch fed to one process on stdin (one
 * transaction), run inside the backend's network namespace.
 *
 * <p>Tables are named the backend's way: nftables "FAMILY NAME" (e.g. "inet cni4j"), iptables
 * the built-in table ("nat", "filter"). Scripts are in the backend's own syntax; callers that
 * support both build one script per backend.
 */
public interface FirewallBackend {
    /** "nftables" or "iptables" / "ip6tables". */
    String name();

    /** Applies a script atomically ({@code nft -f -} / {@code iptables-restore --noflush}). */
    void apply(String script);

    /** The current ruleset ({@code nft list ruleset} / {@code iptables-save}). */
    String list();

    boolean chainExists(String table, String chain);

    /** Deletes rules in {@code table}/{@code chain} whose comment is exactly {@code comment}; returns how many. */
    int deleteRulesWithComment(String table, String chain, String comment);

    /** Flushes and deletes a chain; nothing happens if it does not exist. */
    void deleteChain(String table, String chain);

    /**
     * The backend this node supports, working in {@code ns} (null = calling thread's namespace):
     * nftables when {@code nft} works, else iptables. When libnftables runs in-process or the
     * {@code nft} binary is installed, "works" is asked of the kernel in one netlink round trip
     * (nf_tables answers) instead of an nft transaction: in a standalone plugin that is an exec of
     * {@code nft list tables} fewer per call (~5 ms). Otherwise {@code nft list tables} decides.
     *
     * @throws UnsupportedOperationException naming what was tried
     */
    static FirewallBackend detect(NetNs ns) {
        if ((Nft.usingLibrary() || Nft.binaryInstalled())
                && (ns == null ? NftTableProbe.nfTablesAnswers() : ns.run(NftTableProbe::nfTablesAnswers))) {
            return new NftablesBackend(ns);
        }
        Nft.Result nft;
        try {
            nft = Nft.tryRun(ns, "list tables");
        } catch (RuntimeException notInstalled) {
            nft = null;
        }
        if (nft != null && nft.ok()) {
            return new NftablesBackend(ns);
        }
        Exec.Result ipt = tryRun(ns, List.of("iptables-save", "-t", "filter"));
        if (ipt != null && ipt.ok()) {
            return IptablesBackend.ipv4(ns);
        }
        throw new UnsupportedOperationException("no packet filtering backend: nft "
                + (nft == null ? "not installed" : "failed: " + nft.stderr().trim())
                + "; iptables-save "
                + (ipt == null ? "not installed" : "failed: " + ipt.stderr().trim()));
    }

    private static Exec.Result tryRun(NetNs ns, List<String> command) {
        try {
            return Exec.run(ns, null, command);
        } catch (RuntimeException e) {
            return null; // not installed
        }
    }
}
