package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.netlink.NetlinkMessage.*;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Neighbour table and bridge fdb (RTM_NEWNEIGH / DELNEIGH / GETNEIGH).
 *
 * <pre>
 * struct ndmsg {                12 bytes
 *   0: u8  ndm_family   1: u8 pad   2: u16 pad
 *   4: s32 ndm_ifindex
 *   8: u16 ndm_state    NUD_*
 *  10: u8  ndm_flags    NTF_*
 *  11: u8  ndm_type
 * }
 * attributes: NDA_DST (IP), NDA_LLADDR (MAC), NDA_VLAN u16
 * </pre>
 */
public final class Neighbours {
    static final int RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
    static final int NDMSG_LENGTH = 12;
    static final int NDA_DST = 1, NDA_LLADDR = 2, NDA_VLAN = 5;

    private final NetlinkSocket socket;

    Neighbours(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds an entry; EEXIST if present. */
    public void add(Neighbour n) {
        socket.execute(encode(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, n), "add neighbour " + describe(n));
    }

    /** Adds or replaces an entry. */
    public void replace(Neighbour n) {
        socket.execute(encode(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, n), "replace neighbour " + describe(n));
    }

    /**
     * Appends an fdb entry even when one for the same MAC exists ({@code bridge fdb append}):
     * how a vxlan floods to several remote VTEPs with the all-zero MAC.
     */
    public void append(Neighbour n) {
        socket.execute(encode(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, n), "append fdb " + describe(n));
    }

    /** Deletes an entry; ENOENT if absent. */
    public void delete(Neighbour n) {
        socket.execute(encode(RTM_DELNEIGH, 0, n), "delete neighbour " + describe(n));
    }

    static String describe(Neighbour n) {
        return (n.address() == null ? "" : n.address().getHostAddress() + " ")
                + (n.mac() == null ? "" : "lladdr " + n.mac() + " ") + "dev #" + n.index();
    }

    static MessageBuilder encode(int type, int nlFlags, Neighbour n) {
        MessageBuilder m = new MessageBuilder(type, nlFlags)
                .u8(n.family())
                .u8(0)
                .u16(0)
                .u32(n.index())
                .u16(n.state())
                .u8(n.flags())
                .u8(0);
        boolean fdb = n.family() == Rtnl.AF_BRIDGE; // `bridge fdb` sends the MAC first, `ip neigh` the IP
        if (fdb && n.mac() != null) {
            m.attr(NDA_LLADDR, Mac.parse(n.mac()));
        }
        if (n.address() != null) {
            m.attrAddress(NDA_DST, n.address());
        }
        if (!fdb && n.mac() != null) {
            m.attr(NDA_LLADDR, Mac.parse(n.mac()));
        }
        if (n.vlan() != 0) {
            m.attrU16(NDA_VLAN, n.vlan());
        }
        return m;
    }

    /** Entries of {@code family} (AF_INET, AF_INET6, AF_BRIDGE for fdb) on link {@code index} (0 = all). */
    public List<Neighbour> list(int family, int index) {
        MessageBuilder m =
                new MessageBuilder(RTM_GETNEIGH, NLM_F_DUMP).u8(family).zeros(11);
        List<Neighbour> out = new ArrayList<>();
        for (ByteBuffer b : socket.transact(m, "list neighbours")) {
            Neighbour n = decode(b);
            if (index == 0 || n.index() == index) {
                out.add(n);
            }
        }
        return out;
    }

    static Neighbour decode(ByteBuffer b) {
        NetlinkMessage msg = NetlinkMessage.of(b);
        int p = msg.payloadOffset();
        int family = b.get(p) & 0xff, index = b.getInt(p + 4), state = b.getShort(p + 8) & 0xffff;
        int flags = b.get(p + 10) & 0xff;
        java.net.InetAddress dst = null;
        String mac = null;
        int vlan = 0;
        AttributeReader r = msg.attributes(NDMSG_LENGTH);
        while (r.next()) {
            switch (r.type()) {
                case NDA_DST -> dst = r.inetAddress();
                case NDA_LLADDR -> mac = Mac.format(r.bytes());
                case NDA_VLAN -> vlan = r.u16();
                default -> {}
            }
        }
        return new Neighbour(family, index, dst, mac, state, flags, vlan);
    }
}
