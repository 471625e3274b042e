package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.netfilter.Conntrack;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.io.PrintStream;
import java.util.Set;

/**
 * The node-side steps around the rules: {@code route_localnet} for 127.0.0.1:hostPort and the
 * flush of stale UDP conntrack entries, both in the calling thread's (the node's) namespace.
 */
final class HostTweaks {
    private HostTweaks() {}

    /**
     * Sets {@code net.ipv4.conf.IF.route_localnet=1} on the interface that routes to the pod: a
     * packet from 127.0.0.1 DNATed to the pod must be routed out of it before MASQUERADE rewrites
     * the source. (The martian-drop rule keeps 127/8 from coming in on it.)
     */
    static void enableRouteLocalnet(IpPrefix pod) {
        try (Rtnl rtnl = Rtnl.openCurrent()) {
            Route best = null;
            for (Route r : rtnl.routes().list(Rtnl.AF_INET)) {
                if (r.outputIndex() > 0
                        && r.type() == Route.TYPE_UNICAST
                        && covers(r, pod)
                        && (best == null || r.prefixLength() > best.prefixLength())) {
                    best = r;
                }
            }
            if (best != null) {
                String name = rtnl.links().get(best.outputIndex()).orElseThrow().name();
                Sysctl.set("net/ipv4/conf/" + name + "/route_localnet", "1");
            }
        }
    }

    private static boolean covers(Route r, IpPrefix pod) {
        if (r.destination() == null) {
            return r.prefixLength() == 0;
        }
        return new IpPrefix(IpAddress.of(r.destination()), r.prefixLength()).contains(pod.address());
    }

    /**
     * Deletes UDP conntrack entries whose original destination port is a mapped hostPort, so
     * "flows" that were NATed elsewhere (or not at all) before this ADD/DEL re-hit the rules.
     * Over ctnetlink: per family and port one dump that the kernel filters to the port's entries
     * (CTA_FILTER), then one delete per entry, so the rest of the table never crosses to user space. Failures are
     * logged, as in the reference.
     */
    static void flushUdpConntrack(Set<Integer> ports, boolean v4, boolean v6, PrintStream log) {
        if (ports.isEmpty() || !(v4 || v6)) {
            return;
        }
        try (Conntrack conntrack = Conntrack.openCurrent()) {
            if (v4) {
                flush(conntrack, Conntrack.AF_INET, "ipv4", ports, log);
            }
            if (v6) {
                flush(conntrack, Conntrack.AF_INET6, "ipv6", ports, log);
            }
        } catch (RuntimeException e) { // LinuxException, or a reply we could not decode: never fatal
            log.println("portmap: cannot open the conntrack table: " + e.getMessage());
        }
    }

    private static void flush(Conntrack conntrack, int family, String name, Set<Integer> ports, PrintStream log) {
        try {
            conntrack.deleteByDestinationPort(family, Conntrack.IPPROTO_UDP, ports);
        } catch (RuntimeException e) { // LinuxException, or a reply we could not decode: never fatal
            log.println("portmap: could not flush UDP conntrack entries (" + name + ") of ports " + ports + ": "
                    + e.getMessage());
        }
    }
}
