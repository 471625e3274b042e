package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.netlink.NetlinkMessage.*;
import static dev.cni4j.linux.rtnl.TcMessages.*;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Queueing disciplines (RTM_NEWQDISC / DELQDISC / GETQDISC), like {@code tc qdisc}. */
public final class Qdiscs {
    private final NetlinkSocket socket;

    Qdiscs(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds a qdisc to link {@code index}; EEXIST if one is already at that parent. */
    public void add(int index, QdiscSpec q) {
        socket.execute(encode(NLM_F_CREATE | NLM_F_EXCL, index, q), "add qdisc " + q.kind() + " to link #" + index);
    }

    /** Adds or replaces the qdisc at {@code q.parent()}. */
    public void replace(int index, QdiscSpec q) {
        socket.execute(
                encode(NLM_F_CREATE | NLM_F_REPLACE, index, q), "replace qdisc " + q.kind() + " on link #" + index);
    }

    static MessageBuilder encode(int nlFlags, int index, QdiscSpec q) {
        MessageBuilder m = request(RTM_NEWQDISC, nlFlags, index, q.handle(), q.parent(), 0);
        m.attrString(TCA_KIND, q.kind());
        q.encodeOptions(m);
        return m;
    }

    /** Deletes the qdisc at {@code parent} ({@link Tc#ROOT}, {@link Tc#INGRESS}); ENOENT/EINVAL if none. */
    public void delete(int index, int parent) {
        int handle = parent == Tc.INGRESS ? Tc.INGRESS_HANDLE : 0;
        socket.execute(
                request(RTM_DELQDISC, 0, index, handle, parent, 0),
                "delete qdisc " + handleText(parent) + " of link #" + index);
    }

    /** Qdiscs of link {@code index} (0 = all links). */
    public List<Qdisc> list(int index) {
        List<Qdisc> out = new ArrayList<>();
        for (ByteBuffer b : socket.transact(request(RTM_GETQDISC, NLM_F_DUMP, 0, 0, 0, 0), "list qdiscs")) {
            Qdisc q = decode(b);
            if (index == 0 || q.index() == index) {
                out.add(q);
            }
        }
        return out;
    }

    static Qdisc decode(ByteBuffer b) {
        NetlinkMessage msg = NetlinkMessage.of(b);
        int p = msg.payloadOffset();
        int index = b.getInt(p + 4), handle = b.getInt(p + 8), parent = b.getInt(p + 12);
        String kind = null;
        int optionsStart = -1, optionsEnd = -1;
        AttributeReader r = msg.attributes(TCMSG_LENGTH);
        while (r.next()) {
            if (r.type() == TCA_KIND) {
                kind = r.string();
            }
            if (r.type() == TCA_OPTIONS) {
                optionsStart = r.payloadOffset();
                optionsEnd = optionsStart + r.payloadLength();
            }
        }
        Qdisc.TbfParameters tbf = null;
        if ("tbf".equals(kind) && optionsStart >= 0) {
            long rate = 0, limit = 0, buffer = 0, burst = 0;
            AttributeReader o = new AttributeReader().wrap(b, optionsStart, optionsEnd);
            while (o.next()) {
                int q = o.payloadOffset();
                switch (o.type()) {
                    case Tbf.TCA_TBF_PARMS -> {
                        if (rate == 0) {
                            rate = b.getInt(q + 8) & 0xffffffffL;
                        }
                        limit = b.getInt(q + 24) & 0xffffffffL;
                        buffer = b.getInt(q + 28) & 0xffffffffL;
                    }
                    case Tbf.TCA_TBF_RATE64 -> rate = o.u64();
                    case Tbf.TCA_TBF_BURST -> burst = o.u32() & 0xffffffffL;
                    default -> {}
                }
            }
            tbf = new Qdisc.TbfParameters(rate, limit, buffer, burst);
        }
        return new Qdisc(index, handle, parent, kind, tbf);
    }
}
