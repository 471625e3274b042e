package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import java.nio.ByteBuffer;

/**
 * Encoding and decoding of RTM_*LINK messages.
 *
 * <pre>
 * struct ifinfomsg {            16 bytes
 *   0: u8  ifi_family           AF_UNSPEC, AF_BRIDGE for bridge-port vlans
 *   1: u8  pad
 *   2: u16 ifi_type             ARPHRD_*
 *   4: s32 ifi_index
 *   8: u32 ifi_flags            IFF_*
 *  12: u32 ifi_change           which flags to change
 * }
 * </pre>
 */
final class LinkMessages {
    static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
    static final int IFINFOMSG_LENGTH = 16;

    static final int IFLA_ADDRESS = 1,
            IFLA_IFNAME = 3,
            IFLA_MTU = 4,
            IFLA_LINK = 5,
            IFLA_MASTER = 10,
            IFLA_PROTINFO = 12,
            IFLA_OPERSTATE = 16,
            IFLA_LINKINFO = 18,
            IFLA_AF_SPEC = 26,
            IFLA_NET_NS_FD = 28,
            IFLA_EXT_MASK = 29,
            IFLA_PROMISCUITY = 30,
            IFLA_LINK_NETNSID = 37;
    static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2;
    static final int RTEXT_FILTER_VF = 1, RTEXT_FILTER_BRVLAN = 2;

    private LinkMessages() {}

    /**
     * The attributes every new link starts with, in the order iproute2 sends them (IFLA_MTU,
     * IFLA_ADDRESS, IFLA_IFNAME), then IFLA_LINKINFO opened with its kind. Returns the LINKINFO
     * nest for the caller to fill with IFLA_INFO_DATA and close.
     */
    static int beginNewLink(MessageBuilder m, String name, int mtu, String mac, String kind) {
        if (mtu > 0) {
            m.attrU32(IFLA_MTU, mtu);
        }
        if (mac != null) {
            m.attr(IFLA_ADDRESS, Mac.parse(mac));
        }
        m.attrString(IFLA_IFNAME, name);
        int info = m.beginNested(IFLA_LINKINFO);
        m.attrStringUnterminated(IFLA_INFO_KIND, kind);
        return info;
    }

    /** A message with nlmsghdr and ifinfomsg written. */
    static MessageBuilder request(int type, int nlFlags, int family, int index, int ifFlags, int change) {
        return new MessageBuilder(type, nlFlags)
                .u8(family)
                .u8(0)
                .u16(0)
                .u32(index)
                .u32(ifFlags)
                .u32(change);
    }

    static Link decode(ByteBuffer b) {
        NetlinkMessage m = NetlinkMessage.of(b);
        int p = m.payloadOffset();
        int type = b.getShort(p + 2) & 0xffff;
        int index = b.getInt(p + 4);
        int flags = b.getInt(p + 8);
        String name = null, mac = null, kind = null;
        int mtu = 0, master = 0, parent = 0, nsid = -1, oper = 0, promisc = 0;
        AttributeReader r = m.attributes(IFINFOMSG_LENGTH);
        while (r.next()) {
            switch (r.type()) {
                case IFLA_IFNAME -> name = r.string();
                case IFLA_ADDRESS -> mac = Mac.format(r.bytes());
                case IFLA_MTU -> mtu = r.u32();
                case IFLA_MASTER -> master = r.u32();
                case IFLA_LINK -> parent = r.u32();
                case IFLA_LINK_NETNSID -> nsid = r.u32();
                case IFLA_OPERSTATE -> oper = r.u8();
                case IFLA_PROMISCUITY -> promisc = r.u32();
                case IFLA_LINKINFO -> {
                    AttributeReader info = r.nested();
                    while (info.next()) {
                        if (info.type() == IFLA_INFO_KIND) {
                            kind = info.string();
                        }
                    }
                }
                default -> {}
            }
        }
        return new Link(index, name, type, flags, mtu, mac, kind, master, parent, nsid, oper, promisc);
    }
}
