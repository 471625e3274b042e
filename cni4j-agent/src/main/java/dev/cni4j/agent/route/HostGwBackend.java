package dev.cni4j.agent.route;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * host-gw: a route to every other node's pod CIDR via that node's InternalIP, and on dual-stack
 * and IPv6-only nodes to its IPv6 pod CIDR via its IPv6 InternalIP. Needs all nodes on one L2 segment (the next
 * hop must be directly reachable), costs no encapsulation.
 */
public final class HostGwBackend implements RouteBackend {
    private final Rtnl rtnl;
    private final String vtepDevice;

    /**
     * @param rtnl       handle bound to the node's network namespace
     * @param vtepDevice the vxlan backend's device name: removed if an earlier vxlan run left it
     */
    public HostGwBackend(Rtnl rtnl, String vtepDevice) {
        this.rtnl = rtnl;
        this.vtepDevice = vtepDevice;
    }

    @Override
    public String name() {
        return "host-gw";
    }

    @Override
    public Map<String, String> setUp(ClusterNode self) {
        removeLeftoverVtep();
        return Map.of();
    }

    /**
     * After a switch from vxlan: its device would keep answering VXLAN from peers still on vxlan
     * and hold routes nobody maintains; sync then routes the peers the host-gw way.
     */
    private void removeLeftoverVtep() {
        VxlanBackend.removeDevice(rtnl, vtepDevice);
    }

    @Override
    public SyncResult sync(List<ClusterNode> peers) {
        List<String> errors = new ArrayList<>();
        Map<String, String> pending = new LinkedHashMap<>();
        Set<String> wanted = new HashSet<>();
        int routes = 0;
        for (ClusterNode peer : peers) {
            IpPrefix v4 = peer.podCidrV4(); // null on an IPv6-only node
            if (v4 != null && peer.internalIp() == null) {
                pending.put(peer.name(), "podCIDR " + v4 + " not routed: the node has no IPv4 InternalIP");
            } else if (v4 != null && route(v4, peer.internalIp(), peer, wanted, errors)) {
                routes++;
            }
            IpPrefix v6 = peer.podCidrV6();
            if (v6 == null) {
                continue;
            }
            if (peer.internalIpV6() == null) {
                // the IPv6 next hop must be the node's own IPv6 address on the shared segment
                pending.put(peer.name(), "IPv6 podCIDR " + v6 + " not routed: the node has no IPv6 InternalIP");
            } else if (route(v6, peer.internalIpV6(), peer, wanted, errors)) {
                routes++;
            }
        }
        return new SyncResult(routes, OwnedRoutes.deleteExcept(rtnl, wanted, errors), pending, errors);
    }

    /** {@code ip route replace CIDR via NEXTHOP proto 75}; false (and an error line) when the kernel refuses. */
    private boolean route(
            IpPrefix cidr, InetAddress nextHop, ClusterNode peer, Set<String> wanted, List<String> errors) {
        wanted.add(cidr.toString());
        try {
            rtnl.routes()
                    .replace(Route.to(cidr.address().toInetAddress(), cidr.length())
                            .via(nextHop)
                            .withProtocol(ROUTE_PROTOCOL));
            return true;
        } catch (LinuxException e) {
            // ENETUNREACH: the InternalIP is not on a directly connected network (host-gw needs one L2)
            errors.add("route " + cidr + " via " + IpAddress.of(nextHop).toString() + " (node " + peer.name() + "): "
                    + e.getMessage());
            return false;
        }
    }
}
