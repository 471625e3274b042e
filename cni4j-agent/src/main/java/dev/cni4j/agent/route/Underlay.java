package dev.cni4j.agent.route;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import java.net.InetAddress;

/**
 * The node's underlay: the interface and address that carry traffic between nodes, IPv4, or
 * IPv6 on an IPv6-only node. Chosen by, in order: the configured public IP, the configured
 * interface's first IPv4 address (its first global IPv6 one when it has no IPv4 address),
 * the Node's InternalIP (the interface holding it).
 *
 * @param address   the underlay address (VXLAN source, published as {@code cni4j.dev/public-ip})
 * @param linkIndex the interface holding it
 * @param mtu       that interface's MTU
 */
record Underlay(InetAddress address, int linkIndex, int mtu) {

    /** @throws IllegalStateException saying what was looked for and not found */
    public static Underlay find(Rtnl rtnl, String interfaceName, String publicIp, InetAddress internalIp) {
        if (interfaceName != null) {
            Link link = rtnl.links()
                    .get(interfaceName)
                    .orElseThrow(() -> new IllegalStateException("underlay interface " + interfaceName + " not found"));
            InetAddress want = publicIp != null ? ClusterNode.parseAddress(publicIp) : null;
            for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
                for (Address a : rtnl.addresses().list(link.index(), family)) {
                    if (a.address().isLinkLocalAddress() || a.scope() != Address.SCOPE_UNIVERSE) {
                        continue;
                    }
                    if (want == null || a.address().equals(want)) {
                        return new Underlay(a.address(), link.index(), link.mtu());
                    }
                }
            }
            throw new IllegalStateException(
                    "interface " + interfaceName + " has no global address" + (want == null ? "" : " " + publicIp));
        }
        InetAddress want = publicIp != null ? ClusterNode.parseAddress(publicIp) : internalIp;
        if (want == null) {
            throw new IllegalStateException(
                    "no underlay: set underlayInterface or publicIp, or give the Node an InternalIP");
        }
        for (Address a : rtnl.addresses().list(0, want.getAddress().length == 4 ? Rtnl.AF_INET : Rtnl.AF_INET6)) {
            if (!a.address().equals(want)) {
                continue;
            }
            Link link = rtnl.links().get(a.index()).orElseThrow();
            return new Underlay(want, link.index(), link.mtu());
        }
        throw new IllegalStateException(
                "no interface holds the underlay address " + IpAddress.of(want).toString()
                        + (publicIp != null
                                ? " (publicIp)"
                                : " (the Node's InternalIP: retrying until the Node's status follows the address change)"));
    }
}
