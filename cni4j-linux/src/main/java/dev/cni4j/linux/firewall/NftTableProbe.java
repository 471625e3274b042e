package dev.cni4j.linux.firewall;

import dev.cni4j.linux.KernelCalls;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.netfilter.NetfilterSockets;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether an iptables table can hold rules in the calling thread's namespace, asked of the kernel
 * directly instead of running {@code iptables-save} (a fork and exec: 5-15 ms). iptables keeps a
 * table in one of two places, depending on its variant:
 * <ul>
 * <li>legacy (x_tables): the table is registered in the namespace and listed in
 *     {@code /proc/thread-self/net/ip_tables_names} ({@code ip6_tables_names});</li>
 * <li>nf_tables ({@code iptables-nft}): an nftables table of the same name in family {@code ip}
 *     ({@code ip6}), found with one NFT_MSG_GETTABLE:
 * <pre>
 * nlmsg_type = NFNL_SUBSYS_NFTABLES (10) &lt;&lt; 8 | NFT_MSG_GETTABLE (1)
 * struct nfgenmsg { u8 family NFPROTO_IPV4 (2) / NFPROTO_IPV6 (10); u8 version 0; be16 res_id 0 }
 * NFTA_TABLE_NAME (1): the name, NUL-terminated          -> NFT_MSG_NEWTABLE, or ENOENT
 * </pre></li>
 * </ul>
 * Anything unexpected answers "may have", so a caller that skips the listing on "no" never
 * misses rules.
 */
final class NftTableProbe {
    static final int NFNL_SUBSYS_NFTABLES = 10, NFT_MSG_GETTABLE = 1, NFT_MSG_GETGEN = 16, NFTA_TABLE_NAME = 1;
    static final int NFPROTO_IPV4 = 2, NFPROTO_IPV6 = 10;

    private NftTableProbe() {}

    /** Whether {@code table} of iptables ({@code v6} false) or ip6tables may hold rules here. */
    static boolean mayHaveTable(boolean v6, String table) {
        long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
        try {
            return legacyTableRegistered(v6, table) || nftTableExists(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, table);
        } finally {
            if (t0 != 0) {
                KernelCalls.record("iptables table probe (total)", System.nanoTime() - t0);
            }
        }
    }

    private static boolean legacyTableRegistered(boolean v6, String table) {
        Path names = Path.of("/proc/thread-self/net", v6 ? "ip6_tables_names" : "ip_tables_names");
        try {
            for (String line : Files.readAllLines(names)) {
                if (line.trim().equals(table)) {
                    return true;
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false; // x_tables not loaded: no legacy table anywhere
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /**
     * Whether nf_tables answers in the calling thread's namespace: one NFT_MSG_GETGEN (the ruleset
     * generation), what a libnftables {@code list tables} transaction would establish for backend
     * detection at a fraction of its cost (and without listing every table).
     */
    static boolean nfTablesAnswers() {
        try {
            MessageBuilder m = new MessageBuilder(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN, 0)
                    .u8(0)
                    .u8(0)
                    .u16(0);
            return !NetfilterSockets.call(null, s -> s.transact(m, "get nftables generation"))
                    .isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static MessageBuilder getTableRequest(int family, String table) {
        MessageBuilder m = new MessageBuilder(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE, 0);
        m.u8(family).u8(0).u16(0);
        m.attrString(NFTA_TABLE_NAME, table);
        return m;
    }

    private static boolean nftTableExists(int family, String table) {
        try {
            return !NetfilterSockets.call(
                            null, s -> s.transact(getTableRequest(family, table), "get nftables table " + table))
                    .isEmpty();
        } catch (NetlinkException e) {
            return e.errno() != LinuxException.ENOENT;
        } catch (RuntimeException e) {
            return true;
        }
    }
}
