package dev.cni4j.linux.firewall;

/**
 * The static part of an nftables table (its table, chains, sets and the rules of its hooked
 * chains), declared once rather than in every transaction. Re-declaring it is idempotent but not
 * free: nft parses and evaluates all of it, and the kernel replaces each flushed chain's rules,
 * 2-10 ms per plugin call. So a transaction first carries its own commands plus one element added
 * to a marker set whose name is a hash of the layout's text; that fails when the table is missing
 * or was laid out by someone else (another version of ours, or the reference plugin where the
 * table is shared), and only then is the layout declared in the same transaction. The marker set
 * is inert: no rule refers to it.
 */
public final class NftLayout {
    private final String declaration;
    private final String requirement;
    private final String marker;

    /** {@code layout}: the script that declares it, in {@code table} ("FAMILY NAME"). */
    public NftLayout(String table, String layout) {
        this.marker = "cni4j_layout_" + Integer.toHexString(layout.hashCode());
        this.declaration = layout + "add set " + table + " " + marker + " { type inet_service; }\n";
        this.requirement = "add element " + table + " " + marker + " { 0 }\n";
    }

    /** The marker set's name. */
    public String marker() {
        return marker;
    }

    /** The layout's declaration (with its marker set), to prefix a transaction that needs it. */
    public String declaration() {
        return declaration;
    }

    /**
     * Applies {@code commands}, as one transaction with the layout required, or, when that fails,
     * with the layout declared; the second failure is thrown.
     */
    public void apply(NftablesBackend nft, String commands) {
        try {
            nft.apply(requirement + commands);
        } catch (FirewallException missingOrStale) {
            nft.apply(declaration + commands);
        }
    }
}
