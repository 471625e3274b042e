package dev.cni4j.linux.netfilter;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Encoder and decoder of ctnetlink messages (linux/netfilter/nfnetlink.h, nfnetlink_conntrack.h).
 *
 * <pre>
 * nlmsg_type = NFNL_SUBSYS_CTNETLINK &lt;&lt; 8 | IPCTNL_MSG_CT_*
 * struct nfgenmsg {             4 bytes, after the nlmsghdr
 *   0: u8   nfgen_family        AF_INET / AF_INET6 (AF_UNSPEC: both, in a dump)
 *   1: u8   version             NFNETLINK_V0
 *   2: be16 res_id              0
 * }
 * then attributes:
 *   CTA_TUPLE_ORIG (nested)
 *     CTA_TUPLE_IP (nested)     CTA_IP_V4_SRC/_DST (4 bytes) or CTA_IP_V6_SRC/_DST (16 bytes)
 *     CTA_TUPLE_PROTO (nested)  CTA_PROTO_NUM (u8), CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT (be16)
 *   CTA_TUPLE_REPLY, CTA_STATUS, CTA_TIMEOUT, CTA_MARK, CTA_USE, CTA_ID, ...
 *   CTA_ZONE (be16)             only for entries outside zone 0
 * </pre>
 *
 * A dump request is the bare nfgenmsg; the kernel answers one IPCTNL_MSG_CT_NEW per entry of that
 * family. A filtered dump (kernel 5.8+, {@code ctnetlink_alloc_filter}) adds the values to match as
 * an original tuple and says which of them count in CTA_FILTER:
 * <pre>
 *   CTA_TUPLE_ORIG (nested)
 *     CTA_TUPLE_PROTO (nested)  CTA_PROTO_NUM (u8), CTA_PROTO_DST_PORT (be16)
 *   CTA_FILTER (nested)
 *     CTA_FILTER_ORIG_FLAGS (u32, host order)   CTA_FILTER_F_CTA_PROTO_NUM | _PROTO_DST_PORT
 * </pre>
 * so only matching entries cross to user space (older kernels ignore the unknown CTA_FILTER and
 * send every entry of the family, which is why callers still check each entry). A delete request
 * names the entry by its original tuple (and zone); the kernel needs nothing else.
 */
final class ConntrackMessages {
    static final int NFNL_SUBSYS_CTNETLINK = 1;
    static final int IPCTNL_MSG_CT_NEW = 0, IPCTNL_MSG_CT_GET = 1, IPCTNL_MSG_CT_DELETE = 2;
    static final int NFGENMSG_LENGTH = 4;
    static final int NFNETLINK_V0 = 0;

    static final int CTA_TUPLE_ORIG = 1, CTA_TUPLE_REPLY = 2, CTA_ZONE = 18, CTA_FILTER = 25;
    static final int CTA_FILTER_ORIG_FLAGS = 1;
    /** Flags of CTA_FILTER_ORIG_FLAGS (net/netfilter/nf_internals.h): which original-tuple fields must match. */
    static final int CTA_FILTER_F_CTA_PROTO_NUM = 1 << 3, CTA_FILTER_F_CTA_PROTO_DST_PORT = 1 << 5;

    static final int CTA_TUPLE_IP = 1, CTA_TUPLE_PROTO = 2;
    static final int CTA_IP_V4_SRC = 1, CTA_IP_V4_DST = 2, CTA_IP_V6_SRC = 3, CTA_IP_V6_DST = 4;
    static final int CTA_PROTO_NUM = 1, CTA_PROTO_SRC_PORT = 2, CTA_PROTO_DST_PORT = 3;

    private ConntrackMessages() {}

    static int type(int message) {
        return NFNL_SUBSYS_CTNETLINK << 8 | message;
    }

    private static MessageBuilder request(int message, int flags, int family) {
        MessageBuilder m = new MessageBuilder(type(message), flags);
        return m.u8(family).u8(NFNETLINK_V0).u16(0); // res_id 0 reads the same in either byte order
    }

    /** IPCTNL_MSG_CT_GET with NLM_F_DUMP: every entry of {@code family}. */
    static MessageBuilder dumpRequest(int family) {
        return request(IPCTNL_MSG_CT_GET, NetlinkMessage.NLM_F_DUMP, family);
    }

    /**
     * IPCTNL_MSG_CT_GET with NLM_F_DUMP and a CTA_FILTER: the entries of {@code family} whose
     * original tuple has {@code protocol} and destination port {@code port}.
     */
    static MessageBuilder dumpRequest(int family, int protocol, int port) {
        MessageBuilder m = dumpRequest(family);
        int tuple = m.beginNested(CTA_TUPLE_ORIG | AttributeReader.NLA_F_NESTED);
        int proto = m.beginNested(CTA_TUPLE_PROTO | AttributeReader.NLA_F_NESTED);
        m.attrU8(CTA_PROTO_NUM, protocol);
        m.attrU16BigEndian(CTA_PROTO_DST_PORT, port);
        m.endNested(proto).endNested(tuple);
        int filter = m.beginNested(CTA_FILTER | AttributeReader.NLA_F_NESTED);
        m.attrU32(CTA_FILTER_ORIG_FLAGS, CTA_FILTER_F_CTA_PROTO_NUM | CTA_FILTER_F_CTA_PROTO_DST_PORT);
        m.endNested(filter);
        return m;
    }

    /** IPCTNL_MSG_CT_DELETE of {@code entry}: its CTA_TUPLE_ORIG as received, plus CTA_ZONE if it had one. */
    static MessageBuilder deleteRequest(ConntrackEntry entry) {
        MessageBuilder m = request(IPCTNL_MSG_CT_DELETE, 0, entry.family());
        m.attr(CTA_TUPLE_ORIG | AttributeReader.NLA_F_NESTED, entry.originalTupleUnsafe());
        if (entry.zone() != ConntrackEntry.NO_ZONE) {
            m.attrU16BigEndian(CTA_ZONE, entry.zone());
        }
        return m;
    }

    /**
     * Decodes one IPCTNL_MSG_CT_NEW message (a dump reply) starting at offset 0 of {@code message};
     * null when it carries no original tuple with both addresses.
     */
    static ConntrackEntry decode(ByteBuffer message) {
        NetlinkMessage m = NetlinkMessage.of(message);
        int type = m.type();
        if (type != type(IPCTNL_MSG_CT_NEW)) {
            throw new IllegalArgumentException("not a ctnetlink entry: nlmsg_type 0x" + Integer.toHexString(type));
        }
        int family = message.get(m.payloadOffset()) & 0xff;
        byte[] orig = null;
        int zone = ConntrackEntry.NO_ZONE;
        InetAddress src = null, dst = null;
        int protocol = 0, sport = 0, dport = 0;
        AttributeReader r = m.attributes(NFGENMSG_LENGTH);
        while (r.next()) {
            switch (r.type()) {
                case CTA_TUPLE_ORIG -> {
                    orig = r.bytes();
                    AttributeReader tuple = r.nested();
                    while (tuple.next()) {
                        if (tuple.type() == CTA_TUPLE_IP) {
                            AttributeReader ip = tuple.nested();
                            while (ip.next()) {
                                switch (ip.type()) {
                                    case CTA_IP_V4_SRC, CTA_IP_V6_SRC -> src = ip.inetAddress();
                                    case CTA_IP_V4_DST, CTA_IP_V6_DST -> dst = ip.inetAddress();
                                    default -> {}
                                }
                            }
                        } else if (tuple.type() == CTA_TUPLE_PROTO) {
                            AttributeReader proto = tuple.nested();
                            while (proto.next()) {
                                switch (proto.type()) {
                                    case CTA_PROTO_NUM -> protocol = proto.u8();
                                    case CTA_PROTO_SRC_PORT -> sport = proto.u16BigEndian();
                                    case CTA_PROTO_DST_PORT -> dport = proto.u16BigEndian();
                                    default -> {}
                                }
                            }
                        }
                    }
                }
                case CTA_ZONE -> zone = r.u16BigEndian();
                default -> {}
            }
        }
        if (orig == null || src == null || dst == null) {
            return null;
        }
        return new ConntrackEntry(family, protocol, src, dst, sport, dport, zone, orig);
    }
}
