package dev.cni4j.agent.api;

import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as this node should see it: itself, the peers it can route to, and why the others
 * are skipped. Pure function of the informer cache, so the reconciler can recompute it any time.
 *
 * <p>Dual-stack: a node with an IPv4 pod CIDR is a peer through it; its IPv6 pod CIDR comes
 * along unless it overlaps one claimed before (checked per family, first claim wins as for
 * IPv4), in which case the peer is listed without it. With an IPv6 cluster CIDR set, a peer's
 * IPv6 pod CIDR must lie inside it too (outside, traffic to its pods would count as leaving
 * the cluster and be masqueraded), else the peer is listed without it. This
 * node's own IPv6 pod CIDR outside it is only a warning: its IPv4 pods still work.
 *
 * <p>IPv6-only: a node with only an IPv6 pod CIDR is a peer through that one; as it is its only
 * range, an overlap or a range outside the IPv6 cluster CIDR skips the peer (and is this node's
 * own problem, not a warning). Its underlay is its IPv6 InternalIP.
 *
 * @param self     this node, or null while its Node object is unknown
 * @param peers    other nodes with a usable pod CIDR (IPv4, or IPv6 on IPv6-only nodes) and InternalIP, sorted by name
 * @param skipped  node name → reason it gets no route (no podCIDR, overlap, no InternalIP, ...)
 * @param selfProblem why this node itself cannot serve pods yet, or null
 * @param ipv6Skipped peer name → reason its IPv6 pod CIDR gets no route (its IPv4 one still does)
 * @param selfWarning what is wrong with this node that does not stop it serving pods, or null
 */
public record Topology(
        ClusterNode self,
        List<ClusterNode> peers,
        Map<String, String> skipped,
        String selfProblem,
        Map<String, String> ipv6Skipped,
        String selfWarning) {

    /** Builds the view of {@code selfName} from all known nodes, without an IPv6 cluster CIDR. */
    public static Topology of(String selfName, Collection<ClusterNode> nodes, IpPrefix clusterCidr) {
        return of(selfName, nodes, clusterCidr, null);
    }

    /** Builds the view of {@code selfName} from all known nodes; {@code clusterCidrV6} may be null. */
    public static Topology of(
            String selfName, Collection<ClusterNode> nodes, IpPrefix clusterCidr, IpPrefix clusterCidrV6) {
        List<ClusterNode> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparing(ClusterNode::name));
        ClusterNode self = null;
        for (ClusterNode n : sorted) {
            if (n.name().equals(selfName)) {
                self = n;
            }
        }
        String selfProblem = null;
        if (self == null) {
            selfProblem = "Node \"" + selfName + "\" not found in the API";
        } else if (self.podCidrV4() == null && self.podCidrV6() == null) {
            selfProblem = "Node \"" + selfName + "\" has no podCIDR assigned"
                    + (self.problems().isEmpty() ? "" : " (" + String.join("; ", self.problems()) + ")");
        } else if (self.ipv6Only() && outside(self.podCidrV6(), clusterCidrV6)) {
            selfProblem = "IPv6 podCIDR " + self.podCidrV6() + " lies outside the IPv6 cluster CIDR " + clusterCidrV6;
        } else if (!self.ipv6Only() && clusterCidr != null && !clusterCidr.overlaps(self.podCidrV4())) {
            selfProblem = "podCIDR " + self.podCidrV4() + " lies outside the cluster CIDR " + clusterCidr;
        }
        String selfWarning = null;
        if (self != null && !self.ipv6Only() && outside(self.podCidrV6(), clusterCidrV6)) {
            selfWarning = "IPv6 podCIDR " + self.podCidrV6() + " lies outside the IPv6 cluster CIDR " + clusterCidrV6
                    + ": other nodes do not route it";
        }

        Map<String, String> skipped = new LinkedHashMap<>();
        List<ClusterNode> peers = new ArrayList<>();
        List<ClusterNode> claimed = new ArrayList<>();
        if (self != null && self.podCidrV4() != null) {
            claimed.add(self);
        }
        Map<String, String> ipv6Skipped = new LinkedHashMap<>();
        List<ClusterNode> claimedV6 = new ArrayList<>();
        if (self != null && self.podCidrV6() != null && (self.podCidrV4() != null || selfProblem == null)) {
            claimedV6.add(self);
        }
        for (ClusterNode n : sorted) {
            if (n == self) {
                continue;
            }
            IpPrefix c = n.podCidrV4();
            if (c == null && n.podCidrV6() == null) {
                skipped.put(
                        n.name(),
                        "no podCIDR" + (n.problems().isEmpty() ? "" : ": " + String.join("; ", n.problems())));
                continue;
            }
            if (n.underlayAddress() == null) {
                skipped.put(n.name(), "no InternalIP");
                continue;
            }
            if (c == null) {
                String why = ipv6OnlyPeerProblem(n, claimedV6, clusterCidrV6);
                if (why != null) {
                    skipped.put(n.name(), why);
                } else {
                    claimedV6.add(n);
                    peers.add(n);
                }
                continue;
            }
            ClusterNode clash = null;
            for (ClusterNode o : claimed) {
                if (o.podCidrV4().overlaps(c)) {
                    clash = o;
                }
            }
            if (clash != null) {
                // first claim wins (self, then by name) so routes do not flap between two nodes
                skipped.put(n.name(), "podCIDR " + c + " overlaps " + clash.podCidrV4() + " of node " + clash.name());
                continue;
            }
            claimed.add(n);
            IpPrefix v6 = n.podCidrV6();
            ClusterNode v6Clash = null;
            if (v6 != null) {
                for (ClusterNode o : claimedV6) {
                    if (o.podCidrV6().overlaps(v6)) {
                        v6Clash = o;
                    }
                }
            }
            if (outside(v6, clusterCidrV6)) {
                ipv6Skipped.put(
                        n.name(), "IPv6 podCIDR " + v6 + " lies outside the IPv6 cluster CIDR " + clusterCidrV6);
                n = n.withoutIpv6PodCidr();
            } else if (v6Clash != null) {
                ipv6Skipped.put(
                        n.name(),
                        "IPv6 podCIDR " + v6 + " overlaps " + v6Clash.podCidrV6() + " of node " + v6Clash.name());
                n = n.withoutIpv6PodCidr();
            } else if (v6 != null) {
                claimedV6.add(n);
            }
            peers.add(n);
        }
        return new Topology(
                self, List.copyOf(peers), Map.copyOf(skipped), selfProblem, Map.copyOf(ipv6Skipped), selfWarning);
    }

    /** Why an IPv6-only peer gets no route (its only range overlaps or lies outside), or null. */
    private static String ipv6OnlyPeerProblem(ClusterNode n, List<ClusterNode> claimedV6, IpPrefix clusterCidrV6) {
        IpPrefix v6 = n.podCidrV6();
        if (outside(v6, clusterCidrV6)) {
            return "IPv6 podCIDR " + v6 + " lies outside the IPv6 cluster CIDR " + clusterCidrV6;
        }
        for (ClusterNode o : claimedV6) {
            if (o.podCidrV6().overlaps(v6)) {
                return "IPv6 podCIDR " + v6 + " overlaps " + o.podCidrV6() + " of node " + o.name();
            }
        }
        return null;
    }

    private static boolean outside(IpPrefix podCidrV6, IpPrefix clusterCidrV6) {
        return podCidrV6 != null && clusterCidrV6 != null && !clusterCidrV6.contains(podCidrV6);
    }
}
