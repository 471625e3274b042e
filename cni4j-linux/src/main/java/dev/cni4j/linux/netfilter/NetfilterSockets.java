package dev.cni4j.linux.netfilter;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetlinkChannel;
import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One NETLINK_NETFILTER socket per namespace, kept open for the process's life, for the short
 * questions and deletions (table probes, conntrack) that would otherwise open and close one each.
 *
 * <p>Why kept: closing a used netfilter socket runs nf_tables' release notifier, which takes the
 * namespace's commit mutex and, while a transaction's deletions await their RCU grace period
 * (right after any nft transaction commits), waits that period out holding it. Every nft
 * transaction and every device deletion in the namespace (under RTNL, whose netdev notifier takes
 * the same mutex) then queues behind the close: with a close per probe, concurrent pod teardown
 * was bounded at ~38 pods/s whatever the number of workers.
 *
 * <p>A kept socket keeps its namespace alive, so its inode, the key, is not reused while it is
 * kept; at most {@value #KEPT_NAMESPACES} namespaces are kept, the least recently asked about is
 * let go. Calls on one socket are serialised by {@link NetlinkSocket}.
 */
public final class NetfilterSockets {
    /** A node daemon works in one namespace; tests in a few at once. */
    private static final int KEPT_NAMESPACES = 8;

    private static final Map<Long, NetlinkSocket> KEPT = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, NetlinkSocket> eldest) {
            if (size() <= KEPT_NAMESPACES) {
                return false;
            }
            eldest.getValue().closeDetached();
            return true;
        }
    };

    private NetfilterSockets() {}

    /** The kept socket of {@code ns} (null: the calling thread's namespace), opened on first use. */
    public static NetlinkSocket kept(NetNs ns) {
        long inode = ns == null ? NetNs.currentInode() : ns.inode();
        synchronized (KEPT) {
            NetlinkSocket s = KEPT.get(inode);
            if (s == null) {
                s = ns == null
                        ? NetlinkSocket.open(NetlinkChannel.NETLINK_NETFILTER)
                        : NetlinkSocket.open(NetlinkChannel.NETLINK_NETFILTER, ns);
                KEPT.put(inode, s);
            }
            return s;
        }
    }

    /**
     * Runs {@code call} on the kept socket of {@code ns} (null: the calling thread's). A failure
     * other than the kernel's error answer (which leaves the socket clean) drops the socket, so the
     * next call opens a fresh one.
     */
    public static <T> T call(NetNs ns, Function<NetlinkSocket, T> call) {
        NetlinkSocket s = kept(ns);
        return guarded(s, () -> call.apply(s));
    }

    /**
     * Runs {@code call}, a request on the kept socket {@code s}; a failure other than the kernel's
     * error answer drops {@code s}.
     */
    public static <T> T guarded(NetlinkSocket s, Supplier<T> call) {
        try {
            return call.get();
        } catch (NetlinkException e) {
            throw e;
        } catch (RuntimeException e) {
            drop(s);
            throw e;
        }
    }

    /** Forgets {@code s} and closes it in the background. */
    private static void drop(NetlinkSocket s) {
        synchronized (KEPT) {
            KEPT.values().remove(s);
        }
        s.closeDetached();
    }
}
