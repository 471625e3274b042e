package dev.cni4j.linux.firewall;

import dev.cni4j.linux.KernelCalls;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetlinkChannel;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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
            return !ask(s -> s.transact(m, "get nftables generation")).isEmpty();
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
            return !ask(s -> s.transact(getTableRequest(family, table), "get nftables table " + table))
                    .isEmpty();
        } catch (NetlinkException e) {
            return e.errno() != LinuxException.ENOENT;
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * Asks over this namespace's kept socket. The sockets stay open because closing a used
     * NETLINK_NETFILTER socket runs nf_tables' release notifier, which takes the namespace's commit
     * mutex and, while a transaction's deletions await their RCU grace period (right after every
     * DEL's), waits that period out holding it: every nft transaction and every device deletion
     * in the namespace (under RTNL, whose netdev notifier takes the same mutex) queued behind each
     * close, which bounded concurrent pod teardown. A socket that failed other than with a
     * kernel error is dropped, so the next question opens a fresh one.
     */
    private static List<ByteBuffer> ask(Function<NetlinkSocket, List<ByteBuffer>> question) {
        NetlinkSocket s = keptSocket();
        try {
            return question.apply(s);
        } catch (NetlinkException e) {
            throw e;
        } catch (RuntimeException e) {
            synchronized (SOCKETS) {
                SOCKETS.values().remove(s);
            }
            s.closeDetached();
            throw e;
        }
    }

    /** Kept sockets by namespace inode (a socket keeps its namespace, so the inode is not reused while kept). */
    private static final Map<Long, NetlinkSocket> SOCKETS = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, NetlinkSocket> eldest) {
            if (size() <= KEPT_NAMESPACES) {
                return false;
            }
            eldest.getValue().closeDetached(); // a namespace not asked about for a while: let it go
            return true;
        }
    };

    /** A node daemon works in one namespace; tests in a few at once. */
    private static final int KEPT_NAMESPACES = 8;

    private static NetlinkSocket keptSocket() {
        long inode;
        try (NetNs here = NetNs.current()) {
            inode = here.inode();
        }
        synchronized (SOCKETS) {
            NetlinkSocket s = SOCKETS.get(inode);
            if (s == null) {
                s = NetlinkSocket.open(NetlinkChannel.NETLINK_NETFILTER);
                SOCKETS.put(inode, s);
            }
            return s;
        }
    }
}
