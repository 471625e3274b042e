package dev.cni4j.agent.route;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * The routes the agent owns (rtm_protocol {@link RouteBackend#ROUTE_PROTOCOL}), plus the one
 * route kind the kernel layer cannot express yet: an {@code onlink} route (RTNH_F_ONLINK in
 * rtm_flags), which vxlan needs because the next hop (a remote VTEP address) is on no local
 * subnet. Kept here, small, rather than changing cni4j-linux from this module. IPv6 refuses an
 * onlink route whose gateway another route covers through another device, so a host-gw route
 * left for the same peer is deleted first (see {@link #replaceOnlink}).
 */
final class OwnedRoutes {
    static final int RTM_NEWROUTE = 24, RTNH_F_ONLINK = 4;
    static final int RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5;

    private OwnedRoutes() {}

    /** {@code ip route replace DST via GW dev OIF onlink proto 75}, IPv4 or IPv6 (as {@code dst}). */
    static void replaceOnlink(Rtnl rtnl, IpPrefix dst, InetAddress gateway, int oif) {
        if (dst.isIPv4() != gateway instanceof java.net.Inet4Address) {
            throw new IllegalArgumentException(
                    "route " + dst + " via " + gateway.getHostAddress() + ": families differ");
        }
        try {
            sendOnlink(rtnl, dst, gateway, oif);
        } catch (LinuxException e) {
            // IPv6 checks an onlink gateway against the routes in place: the peer's own host-gw route (an
            // earlier backend) covers it through another device, "Nexthop has invalid gateway or device
            // mismatch". That route is being replaced anyway: delete it and try once more.
            if (dst.isIPv4() || e.errno() != LinuxException.EINVAL || !deleteOwnedElsewhere(rtnl, dst, oif)) {
                throw e;
            }
            sendOnlink(rtnl, dst, gateway, oif);
        }
    }

    /** Deletes owned routes to exactly {@code dst} through a device other than {@code oif}; true if there were any. */
    private static boolean deleteOwnedElsewhere(Rtnl rtnl, IpPrefix dst, int oif) {
        boolean any = false;
        for (Route r : rtnl.routes().list(dst.isIPv4() ? Rtnl.AF_INET : Rtnl.AF_INET6)) {
            if (r.protocol() == RouteBackend.ROUTE_PROTOCOL
                    && r.outputIndex() != oif
                    && destination(r).equals(dst.toString())) {
                rtnl.routes().delete(r);
                any = true;
            }
        }
        return any;
    }

    private static void sendOnlink(Rtnl rtnl, IpPrefix dst, InetAddress gateway, int oif) {
        MessageBuilder m = new MessageBuilder(RTM_NEWROUTE, NetlinkMessage.NLM_F_CREATE | NetlinkMessage.NLM_F_REPLACE)
                .u8(dst.isIPv4() ? Rtnl.AF_INET : Rtnl.AF_INET6)
                .u8(dst.length())
                .u8(0)
                .u8(0)
                .u8(Route.TABLE_MAIN)
                .u8(RouteBackend.ROUTE_PROTOCOL)
                .u8(Route.SCOPE_UNIVERSE)
                .u8(Route.TYPE_UNICAST)
                .u32(RTNH_F_ONLINK);
        m.attrAddress(RTA_DST, dst.address().toInetAddress())
                .attrAddress(RTA_GATEWAY, gateway)
                .attrU32(RTA_OIF, oif);
        rtnl.socket()
                .execute(m, "replace route " + dst + " via " + gateway.getHostAddress() + " dev #" + oif + " onlink");
    }

    /**
     * Deletes owned IPv4 and IPv6 routes whose destination (as {@link IpPrefix#toString}, e.g.
     * "10.244.2.0/24" or "fd00:10:244:2::/64") is not in {@code wanted}; returns how many.
     */
    static int deleteExcept(Rtnl rtnl, Set<String> wanted, List<String> errors) {
        int removed = 0;
        for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
            List<Route> all;
            try {
                all = rtnl.routes().list(family);
            } catch (LinuxException e) {
                errors.add("list routes: " + e.getMessage());
                continue;
            }
            for (Route r : all) {
                if (r.protocol() != RouteBackend.ROUTE_PROTOCOL || wanted.contains(destination(r))) {
                    continue;
                }
                try {
                    rtnl.routes().delete(r);
                    removed++;
                } catch (LinuxException e) {
                    if (!e.isNotFound()) {
                        errors.add("delete route " + destination(r) + ": " + e.getMessage());
                    }
                }
            }
        }
        return removed;
    }

    /** In IpPrefix's form: the kernel layer writes IPv6 the JDK's long way ("fd00:0:0:0:0:0:0:0/64"). */
    private static String destination(Route r) {
        return new IpPrefix(IpAddress.of(r.destination()), r.prefixLength()).toString();
    }
}
