package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.rtnl.LinkMessages.*;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.netlink.MessageBuilder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A veth pair: {@code name} here, {@code peerName} placed directly into {@code peerNamespace}
 * (by fd, VETH_INFO_PEER + IFLA_NET_NS_FD) or here when that is null.
 *
 * @param mtu     0 for the kernel default (both ends)
 * @param mac     host end MAC or null for random
 * @param peerMac peer MAC or null for random
 */
public record Veth(String name, String peerName, NetNs peerNamespace, int mtu, String mac, String peerMac)
        implements LinkSpec {
    static final int VETH_INFO_PEER = 1;

    /** A pair in this namespace with default MTU and random MACs. */
    public static Veth of(String name, String peerName) {
        return new Veth(name, peerName, null, 0, null, null);
    }

    /** A pair whose peer is created inside {@code peerNamespace}. */
    public static Veth intoNamespace(String name, String peerName, NetNs peerNamespace, int mtu) {
        return new Veth(name, peerName, peerNamespace, mtu, null, null);
    }

    public Veth withName(String newName) {
        return new Veth(newName, peerName, peerNamespace, mtu, mac, peerMac);
    }

    public Veth withPeerMac(String newPeerMac) {
        return new Veth(name, peerName, peerNamespace, mtu, mac, newPeerMac);
    }

    /** "veth" + 8 random hex digits, as the reference CNI plugins name host ends. */
    public static String randomName() {
        String hex = Integer.toHexString(ThreadLocalRandom.current().nextInt());
        return "veth" + "00000000".substring(hex.length()) + hex;
    }

    @Override
    public String kind() {
        return "veth";
    }

    @Override
    public void encode(MessageBuilder m) {
        // attribute order as `ip link add NAME mtu M type veth peer name P mtu M netns X` sends it
        int info = LinkMessages.beginNewLink(m, name, mtu, mac, "veth");
        int data = m.beginNested(IFLA_INFO_DATA);
        int peer = m.beginNested(VETH_INFO_PEER);
        m.zeros(IFINFOMSG_LENGTH); // the peer's own struct ifinfomsg
        if (mtu > 0) {
            m.attrU32(IFLA_MTU, mtu);
        }
        if (peerMac != null) {
            m.attr(IFLA_ADDRESS, Mac.parse(peerMac));
        }
        if (peerNamespace != null) {
            m.attrU32(IFLA_NET_NS_FD, peerNamespace.fd());
        }
        m.attrString(IFLA_IFNAME, peerName);
        m.endNested(peer).endNested(data).endNested(info);
    }
}
