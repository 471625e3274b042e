package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.netlink.NetlinkMessage.NLM_F_DUMP;
import static dev.cni4j.linux.rtnl.LinkMessages.*;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of links enslaved to a bridge, and bridge VLANs: what {@code bridge link set} and
 * {@code bridge vlan add/del/show} do. All messages use family AF_BRIDGE.
 *
 * <pre>
 * port options: RTM_SETLINK AF_BRIDGE, IFLA_PROTINFO|NLA_F_NESTED { IFLA_BRPORT_MODE u8 (hairpin), ... }
 * vlans:        RTM_SETLINK / RTM_DELLINK AF_BRIDGE, IFLA_AF_SPEC { [IFLA_BRIDGE_FLAGS u16 SELF],
 *               IFLA_BRIDGE_VLAN_INFO struct bridge_vlan_info { u16 flags; u16 vid } }
 * </pre>
 */
public final class BridgePorts {
    static final int IFLA_BRPORT_MODE = 4, IFLA_BRPORT_LEARNING = 8, IFLA_BRPORT_ISOLATED = 33;
    static final int IFLA_BRIDGE_FLAGS = 0, IFLA_BRIDGE_VLAN_INFO = 2, BRIDGE_FLAGS_SELF = 2;

    private final NetlinkSocket socket;

    BridgePorts(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Hairpin mode: frames may go back out the port they came in (needed for pod-to-own-service). */
    public void setHairpin(int index, boolean on) {
        setPortFlag(index, IFLA_BRPORT_MODE, on, "hairpin");
    }

    /** Isolated ports cannot talk to other isolated ports. */
    public void setIsolated(int index, boolean on) {
        setPortFlag(index, IFLA_BRPORT_ISOLATED, on, "isolated");
    }

    public void setLearning(int index, boolean on) {
        setPortFlag(index, IFLA_BRPORT_LEARNING, on, "learning");
    }

    private void setPortFlag(int index, int attr, boolean on, String name) {
        MessageBuilder m = request(RTM_SETLINK, 0, Rtnl.AF_BRIDGE, index, 0, 0);
        int p = m.beginNested(IFLA_PROTINFO | AttributeReader.NLA_F_NESTED);
        m.attrU8(attr, on ? 1 : 0);
        m.endNested(p);
        socket.execute(m, "set bridge port #" + index + " " + name + (on ? " on" : " off"));
    }

    /**
     * Adds VLAN {@code vid} to port {@code index} ({@code self}: to the bridge device itself).
     * {@code pvid}: untagged ingress frames get this VLAN; {@code untagged}: egress without a tag.
     */
    public void addVlan(int index, int vid, boolean pvid, boolean untagged, boolean self) {
        int flags = (pvid ? BridgeVlan.PVID : 0) | (untagged ? BridgeVlan.UNTAGGED : 0);
        socket.execute(vlanMessage(RTM_SETLINK, index, vid, flags, self), "add vlan " + vid + " to link #" + index);
    }

    public void deleteVlan(int index, int vid, boolean self) {
        socket.execute(vlanMessage(RTM_DELLINK, index, vid, 0, self), "delete vlan " + vid + " from link #" + index);
    }

    static MessageBuilder vlanMessage(int type, int index, int vid, int flags, boolean self) {
        if (vid < 1 || vid > 4094) {
            throw new IllegalArgumentException("invalid vlan id " + vid);
        }
        MessageBuilder m = request(type, 0, Rtnl.AF_BRIDGE, index, 0, 0);
        int spec = m.beginNested(IFLA_AF_SPEC);
        if (self) {
            m.attrU16(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
        }
        m.attr(IFLA_BRIDGE_VLAN_INFO, new byte[] {(byte) flags, (byte) (flags >> 8), (byte) vid, (byte) (vid >> 8)});
        return m.endNested(spec);
    }

    /** VLANs of link {@code index} (0 = all bridge ports and bridges). */
    public List<BridgeVlan> listVlans(int index) {
        MessageBuilder m =
                request(RTM_GETLINK, NLM_F_DUMP, Rtnl.AF_BRIDGE, 0, 0, 0).attrU32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
        List<BridgeVlan> out = new ArrayList<>();
        for (ByteBuffer b : socket.transact(m, "list bridge vlans")) {
            NetlinkMessage msg = NetlinkMessage.of(b);
            int ifindex = b.getInt(msg.payloadOffset() + 4);
            if (index != 0 && ifindex != index) {
                continue;
            }
            AttributeReader r = msg.attributes(IFINFOMSG_LENGTH);
            while (r.next()) {
                if (r.type() != IFLA_AF_SPEC) {
                    continue;
                }
                AttributeReader spec = r.nested();
                while (spec.next()) {
                    if (spec.type() != IFLA_BRIDGE_VLAN_INFO) {
                        continue;
                    }
                    int flags = spec.u16();
                    int vid = spec.buffer().getShort(spec.payloadOffset() + 2) & 0xffff;
                    out.add(new BridgeVlan(ifindex, vid, flags));
                }
            }
        }
        return out;
    }
}
