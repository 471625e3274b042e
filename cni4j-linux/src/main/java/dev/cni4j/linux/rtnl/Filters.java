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

/**
 * tc filters. The one kind built is what shaping needs: a u32 filter matching everything
 * ({@code match u32 0 0}) with a mirred egress redirect to another device (an ifb).
 *
 * <pre>
 * TCA_OPTIONS {
 *   TCA_U32_ACT { [1] { TCA_ACT_KIND "mirred", TCA_ACT_OPTIONS|NESTED { TCA_MIRRED_PARMS struct tc_mirred } } }
 *   TCA_U32_SEL struct tc_u32_sel (16 bytes, flags TC_U32_TERMINAL, nkeys 1) + struct tc_u32_key (16 bytes, zeros)
 * }
 * struct tc_mirred { 0: u32 index; 4: u32 capab; 8: s32 action (TC_ACT_STOLEN); 12: s32 refcnt;
 *                    16: s32 bindcnt; 20: s32 eaction (TCA_EGRESS_REDIR); 24: u32 ifindex }   28 bytes
 * </pre>
 */
public final class Filters {
    static final int TCA_U32_SEL = 5, TCA_U32_ACT = 7;
    static final int TCA_ACT_KIND = 1, TCA_ACT_OPTIONS = 2;
    static final int TCA_MIRRED_PARMS = 2;
    static final int TC_U32_TERMINAL = 1, TC_ACT_STOLEN = 4, TCA_EGRESS_REDIR = 1;

    private final NetlinkSocket socket;

    Filters(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * {@code tc filter add dev <index> parent <parent> [pref <priority>] protocol all u32 match u32 0 0
     * action mirred egress redirect dev <targetIndex>}.
     *
     * @param priority 0 lets the kernel choose (49152 for the first filter)
     */
    public void addRedirect(int index, int parent, int priority, int targetIndex) {
        socket.execute(
                encodeRedirect(index, parent, priority, targetIndex),
                "add u32 redirect filter on link #" + index + " to link #" + targetIndex);
    }

    static MessageBuilder encodeRedirect(int index, int parent, int priority, int targetIndex) {
        int info = priority << 16 | Short.reverseBytes((short) Tc.PROTOCOL_ALL) & 0xffff;
        MessageBuilder m = request(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, index, 0, parent, info);
        m.attrString(TCA_KIND, "u32");
        int options = m.beginNested(TCA_OPTIONS);
        int actions = m.beginNested(TCA_U32_ACT);
        int first = m.beginNested(1);
        m.attrString(TCA_ACT_KIND, "mirred");
        int actOptions = m.beginNested(TCA_ACT_OPTIONS | AttributeReader.NLA_F_NESTED);
        int parms = m.beginNested(TCA_MIRRED_PARMS);
        m.u32(0).u32(0).u32(TC_ACT_STOLEN).u32(0).u32(0).u32(TCA_EGRESS_REDIR).u32(targetIndex);
        m.endNested(parms).endNested(actOptions).endNested(first).endNested(actions);
        int sel = m.beginNested(TCA_U32_SEL);
        m.u8(TC_U32_TERMINAL).u8(0).u8(1).u8(0).zeros(12); // flags, offshift, nkeys, pad, offmask..hmask
        m.zeros(16); // key: mask 0, val 0, off 0, offmask 0
        m.endNested(sel);
        m.endNested(options);
        return m;
    }

    /** Deletes filters of {@code priority} (0 = all) at {@code parent} on link {@code index}. */
    public void delete(int index, int parent, int priority) {
        socket.execute(
                request(RTM_DELTFILTER, 0, index, 0, parent, priority << 16),
                "delete filters pref " + priority + " at " + handleText(parent) + " of link #" + index);
    }

    /** Filters at {@code parent} on link {@code index}. */
    public List<Filter> list(int index, int parent) {
        List<Filter> out = new ArrayList<>();
        for (ByteBuffer b : socket.transact(request(RTM_GETTFILTER, NLM_F_DUMP, index, 0, parent, 0), "list filters")) {
            out.add(decode(b));
        }
        return out;
    }

    static Filter decode(ByteBuffer b) {
        NetlinkMessage msg = NetlinkMessage.of(b);
        int p = msg.payloadOffset();
        int index = b.getInt(p + 4), handle = b.getInt(p + 8), parent = b.getInt(p + 12), info = b.getInt(p + 16);
        String kind = null;
        int redirect = 0;
        AttributeReader r = msg.attributes(TCMSG_LENGTH);
        while (r.next()) {
            if (r.type() == TCA_KIND) {
                kind = r.string();
            }
            if (r.type() != TCA_OPTIONS) {
                continue;
            }
            AttributeReader o = r.nested();
            while (o.next()) {
                if (o.type() != TCA_U32_ACT) {
                    continue;
                }
                AttributeReader acts = o.nested();
                while (acts.next()) {
                    AttributeReader act = acts.nested();
                    boolean mirred = false;
                    while (act.next()) {
                        if (act.type() == TCA_ACT_KIND) {
                            mirred = "mirred".equals(act.string());
                        }
                        if (act.type() != TCA_ACT_OPTIONS || !mirred) {
                            continue;
                        }
                        AttributeReader mo = act.nested();
                        while (mo.next()) {
                            if (mo.type() == TCA_MIRRED_PARMS) {
                                redirect = b.getInt(mo.payloadOffset() + 24);
                            }
                        }
                    }
                }
            }
        }
        int protocol = Short.reverseBytes((short) info) & 0xffff;
        return new Filter(index, parent, info >>> 16, protocol, handle, kind, redirect);
    }
}
