package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.plugins.common.Cidr;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

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
     * Uses the conntrack tool (conntrack-tools): one listing per family, then one delete per port
     * that actually has entries, so the cost does not grow with the number of mappings.
     * Failures are logged, as in the reference.
     */
    static void flushUdpConntrack(Set<Integer> ports, boolean v4, boolean v6, PrintStream log) {
        if (ports.isEmpty()) {
            return;
        }
        for (String family : v4 && v6 ? List.of("ipv4", "ipv6") : v4 ? List.of("ipv4") : v6 ? List.of("ipv6") : List.<String>of()) {
            NodeCommand.Output list = NodeCommand.run(null, List.of("conntrack", "-L", "-f", family, "-p", "udp"));
            if (list == null || !list.ok()) {
                log.println("portmap: cannot list UDP conntrack entries (" + family + "): "
                        + (list == null ? "conntrack not installed" : list.stderr().trim()));
                continue;
            }
            for (int port : portsWithEntries(list.stdout(), ports)) {
                NodeCommand.Output out = NodeCommand.run(null, List.of("conntrack", "-D", "-f", family, "-p", "udp",
                        "--orig-port-dst", String.valueOf(port)));
                if (out == null || (!out.ok() && !out.stderr().contains("0 flow entries"))) {
                    log.println("portmap: could not delete UDP conntrack entries of port " + port + " (" + family
                            + "): " + (out == null ? "conntrack not installed" : out.stderr().trim()));
                }
            }
        }
    }

    /** The ports among {@code ports} that are the original destination port of a listed entry. */
    static Set<Integer> portsWithEntries(String conntrackList, Set<Integer> ports) {
        Set<Integer> found = new TreeSet<>();
        for (String line : conntrackList.split("\n")) {
            int at = line.indexOf(" dport=");
            if (at < 0) {
                continue;
            }
            int end = line.indexOf(' ', at + 7);
            try {
                int port = Integer.parseInt(line.substring(at + 7, end < 0 ? line.length() : end));
                if (ports.contains(port)) {
                    found.add(port);
                }
            } catch (NumberFormatException e) {
                // not an entry line
            }
        }
        return found;
    }
}
