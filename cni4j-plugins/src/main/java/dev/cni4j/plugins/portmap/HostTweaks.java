package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.plugins.common.Cidr;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The node-side steps around the rules: {@code route_localnet} for 127.0.0.1:hostPort and the
 * flush of stale UDP conntrack entries, both in the calling thread's (the node's) namespace.
 */
final class HostTweaks {
    private HostTweaks() {
    }

    /**
     * Sets {@code net.ipv4.conf.IF.route_localnet=1} on the interface that routes to the pod: a
     * packet from 127.0.0.1 DNATed to the pod must be routed out of it before MASQUERADE rewrites
     * the source. (The martian-drop rule keeps 127/8 from coming in on it.)
     */
    static void enableRouteLocalnet(Cidr pod) {
        try (Rtnl rtnl = Rtnl.openCurrent()) {
            Route best = null;
            for (Route r : rtnl.routes().list(Rtnl.AF_INET)) {
                if (r.outputIndex() > 0 && r.type() == Route.TYPE_UNICAST && covers(r, pod)
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

    private static boolean covers(Route r, Cidr pod) {
        if (r.destination() == null) {
            return r.prefixLength() == 0;
        }
        return new Cidr(r.destination(), r.prefixLength()).contains(pod.address());
    }

    /**
     * Deletes UDP conntrack entries whose original destination port is a mapped hostPort, so
     * "flows" that were NATed elsewhere (or not at all) before this ADD/DEL re-hit the rules.
     * Uses the conntrack tool (conntrack-tools), one run per port and family; failures are logged.
     */
    static void flushUdpConntrack(List<PortMapping> mappings, boolean v4, boolean v6, PrintStream log) {
        List<String> families = new ArrayList<>();
        if (v4) {
            families.add("ipv4");
        }
        if (v6) {
            families.add("ipv6");
        }
        for (PortMapping m : mappings) {
            if (!m.protocol().equals("udp")) {
                continue;
            }
            for (String family : families) {
                NodeCommand.Output out = NodeCommand.run(null, List.of("conntrack", "-D", "-f", family, "-p", "udp",
                        "--orig-port-dst", String.valueOf(m.hostPort())));
                // exit 1 with "0 flow entries have been deleted" just means there were none
                if (out == null || (!out.ok() && !out.stderr().contains("0 flow entries"))) {
                    log.println("portmap: could not delete UDP conntrack entries of port " + m.hostPort() + " ("
                            + family + "): " + (out == null ? "conntrack not installed" : out.stderr().trim()));
                }
            }
        }
    }

}
