package dev.cni4j.linux.netfilter;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The conntrack table of one network namespace, over ctnetlink (NETLINK_NETFILTER,
 * NFNL_SUBSYS_CTNETLINK): what {@code conntrack -L} and {@code conntrack -D} do, without the tool.
 *
 * <pre>{@code
 * try (Conntrack ct = Conntrack.open(ns)) {
 *     int n = ct.deleteByDestinationPort(Conntrack.AF_INET, Conntrack.IPPROTO_UDP, Set.of(53));
 * }
 * }</pre>
 *
 * The socket is bound to the namespace it was opened in and usable from any thread.
 */
public final class Conntrack implements AutoCloseable {
    public static final int AF_INET = 2, AF_INET6 = 10;
    public static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;

    /** nfnetlink answers EAGAIN once after it autoloaded nf_conntrack_netlink for this request. */
    private static final int MODULE_LOAD_ATTEMPTS = 3;

    private final NetlinkSocket socket;
    private long entriesReceived;

    private Conntrack(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * The conntrack table of {@code ns}, over its kept netfilter socket ({@link NetfilterSockets}:
     * closing one after an nft transaction stalls the namespace's nftables); {@code ns} may be
     * closed afterwards.
     */
    public static Conntrack open(NetNs ns) {
        return new Conntrack(NetfilterSockets.kept(ns));
    }

    /** The conntrack table of the calling thread's namespace. */
    public static Conntrack openCurrent() {
        return new Conntrack(NetfilterSockets.kept(null));
    }

    /** Every entry of {@code family} ({@link #AF_INET} or {@link #AF_INET6}); empty if the table is. */
    public List<ConntrackEntry> list(int family) {
        checkFamily(family);
        return dump(ConntrackMessages.dumpRequest(family), "dump conntrack table (" + familyName(family) + ")");
    }

    /**
     * The entries of {@code family} whose original tuple has {@code protocol} and destination port
     * {@code port}, filtered by the kernel (CTA_FILTER): only those cross to user space, however
     * big the table is. On a kernel without CTA_FILTER (before 5.8) the dump holds every entry of
     * the family, so the filter is applied here again.
     */
    public List<ConntrackEntry> list(int family, int protocol, int port) {
        checkFamily(family);
        List<ConntrackEntry> entries = dump(
                ConntrackMessages.dumpRequest(family, protocol, port),
                "dump conntrack entries (" + familyName(family) + ", protocol " + protocol + ", port " + port + ")");
        entries.removeIf(e -> e.protocol() != protocol || e.destinationPort() != port);
        return entries;
    }

    /** How many entries this socket's dumps have carried from the kernel so far (decoded or not). */
    public long entriesReceived() {
        return entriesReceived;
    }

    private List<ConntrackEntry> dump(MessageBuilder request, String what) {
        for (int attempt = 1; ; attempt++) {
            try {
                List<ConntrackEntry> entries = new ArrayList<>();
                List<ByteBuffer> replies = NetfilterSockets.guarded(socket, () -> socket.transact(request, what));
                entriesReceived += replies.size();
                for (ByteBuffer reply : replies) {
                    ConntrackEntry e = ConntrackMessages.decode(reply);
                    if (e != null) {
                        entries.add(e);
                    }
                }
                return entries;
            } catch (NetlinkException e) {
                if (e.errno() != LinuxException.EAGAIN || attempt == MODULE_LOAD_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * Deletes {@code entry}, named by its original tuple and zone.
     *
     * @return false if it was already gone (expired or deleted since the dump)
     */
    public boolean delete(ConntrackEntry entry) {
        try {
            NetfilterSockets.guarded(socket, () -> {
                socket.execute(ConntrackMessages.deleteRequest(entry), "delete conntrack entry " + entry);
                return null;
            });
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == LinuxException.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Deletes the entries of {@code family} and {@code protocol} whose original-direction
     * destination port is one of {@code ports}: one kernel-filtered dump per port (see
     * {@link #list(int, int, int)}), then one delete per matching entry.
     *
     * @return how many entries were deleted
     */
    public int deleteByDestinationPort(int family, int protocol, Set<Integer> ports) {
        if (ports.isEmpty()) {
            return 0;
        }
        int deleted = 0;
        for (int port : ports) {
            for (ConntrackEntry e : list(family, protocol, port)) {
                if (delete(e)) {
                    deleted++;
                }
            }
        }
        return deleted;
    }

    /** Nothing to release: the socket stays for the namespace's next use (a failed one was dropped). */
    @Override
    public void close() {}

    private static void checkFamily(int family) {
        if (family != AF_INET && family != AF_INET6) {
            throw new IllegalArgumentException("conntrack family must be AF_INET (2) or AF_INET6 (10), not " + family);
        }
    }

    static String familyName(int family) {
        return family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" : "family " + family;
    }
}
