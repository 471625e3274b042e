package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.rtnl.LinkMessages.*;

import dev.cni4j.linux.netlink.MessageBuilder;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A VXLAN device (learning off by default: peers come from fdb entries).
 *
 * @param vni         VXLAN network identifier (IFLA_VXLAN_ID)
 * @param local       source address, or null
 * @param deviceIndex underlay device (IFLA_VXLAN_LINK), 0 for none
 * @param port        UDP destination port; 4789 is IANA's, 0 means the kernel default (8472)
 * @param learning    IFLA_VXLAN_LEARNING
 * @param mtu         0 for the default
 */
public record Vxlan(String name, int vni, InetAddress local, int deviceIndex, int port, boolean learning, int mtu)
        implements LinkSpec {
    static final int IFLA_VXLAN_ID = 1,
            IFLA_VXLAN_LINK = 3,
            IFLA_VXLAN_LOCAL = 4,
            IFLA_VXLAN_LEARNING = 7,
            IFLA_VXLAN_PORT = 15,
            IFLA_VXLAN_LOCAL6 = 17;

    public static Vxlan of(String name, int vni, InetAddress local, int deviceIndex) {
        return new Vxlan(name, vni, local, deviceIndex, 4789, false, 0);
    }

    @Override
    public String kind() {
        return "vxlan";
    }

    @Override
    public void encode(MessageBuilder m) {
        int info = LinkMessages.beginNewLink(m, name, mtu, null, "vxlan");
        int data = m.beginNested(IFLA_INFO_DATA); // in the order ip's vxlan_parse_opt emits
        if (deviceIndex > 0) {
            m.attrU32(IFLA_VXLAN_LINK, deviceIndex);
        }
        m.attrU32(IFLA_VXLAN_ID, vni);
        if (local != null) {
            m.attrAddress(local instanceof Inet4Address ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, local);
        }
        m.attrU8(IFLA_VXLAN_LEARNING, learning ? 1 : 0);
        if (port > 0) {
            m.attrU16BigEndian(IFLA_VXLAN_PORT, port);
        }
        m.endNested(data).endNested(info);
    }
}
