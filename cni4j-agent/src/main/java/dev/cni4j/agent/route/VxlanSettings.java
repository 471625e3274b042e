package dev.cni4j.agent.route;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.rtnl.Rtnl;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The settings of an existing VXLAN link, which the kernel layer's {@code Link} record does not
 * carry: read from RTM_GETLINK's IFLA_LINKINFO / IFLA_INFO_DATA. Lets the agent notice a device
 * left with another VNI, port or underlay (a changed config or a moved node) and recreate it.
 *
 * @param vni       IFLA_VXLAN_ID
 * @param local     IFLA_VXLAN_LOCAL (or LOCAL6 over an IPv6 underlay), or null
 * @param linkIndex IFLA_VXLAN_LINK, 0 if none
 * @param port      IFLA_VXLAN_PORT (host order)
 */
public record VxlanSettings(int vni, InetAddress local, int linkIndex, int port) {
    static final int RTM_GETLINK = 18, IFINFOMSG_LENGTH = 16, IFLA_LINKINFO = 18, IFLA_INFO_DATA = 2;
    static final int IFLA_VXLAN_ID = 1,
            IFLA_VXLAN_LINK = 3,
            IFLA_VXLAN_LOCAL = 4,
            IFLA_VXLAN_PORT = 15,
            IFLA_VXLAN_LOCAL6 = 17;

    /** Reads link {@code index}; null when it has no vxlan data. */
    public static VxlanSettings read(Rtnl rtnl, int index) {
        MessageBuilder m = new MessageBuilder(RTM_GETLINK, 0)
                .u8(Rtnl.AF_UNSPEC)
                .u8(0)
                .u16(0)
                .u32(index)
                .u32(0)
                .u32(0);
        List<ByteBuffer> replies = rtnl.socket().transact(m, "get link #" + index);
        if (replies.isEmpty()) {
            return null;
        }
        AttributeReader r = NetlinkMessage.of(replies.get(0)).attributes(IFINFOMSG_LENGTH);
        while (r.next()) {
            if (r.type() != IFLA_LINKINFO) {
                continue;
            }
            AttributeReader info = r.nested();
            while (info.next()) {
                if (info.type() == IFLA_INFO_DATA) {
                    return decode(info.nested());
                }
            }
        }
        return null;
    }

    private static VxlanSettings decode(AttributeReader d) {
        int vni = 0, link = 0, port = 0;
        InetAddress local = null;
        while (d.next()) {
            switch (d.type()) {
                case IFLA_VXLAN_ID -> vni = d.u32();
                case IFLA_VXLAN_LINK -> link = d.u32();
                case IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6 -> local = d.inetAddress(); // IPv6: an IPv6-only underlay
                case IFLA_VXLAN_PORT -> port = d.u16BigEndian();
                default -> {}
            }
        }
        return new VxlanSettings(vni, local, link, port);
    }

    /** Whether a device with these settings serves the wanted VNI and port over {@code underlay}. */
    boolean matches(int wantVni, int wantPort, Underlay underlay) {
        return vni == wantVni
                && port == wantPort
                && underlay.address().equals(local)
                && linkIndex == underlay.linkIndex();
    }
}
