package dev.cni4j.agent.api;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the agent needs to know about one Kubernetes Node, read from its object.
 *
 * @param name       metadata.name
 * @param podCidrs   spec.podCIDRs (or the older spec.podCIDR); unparsable entries are dropped and reported
 * @param internalIp the first IPv4 InternalIP of status.addresses, or null
 * @param internalIpV6 the first IPv6 InternalIP (dual-stack and IPv6-only nodes), or null:
 *                     host-gw's next hop to the node's IPv6 pod CIDR, the underlay of an
 *                     IPv6-only node
 * @param vtepMac    annotation {@value #VTEP_MAC}, or null (vxlan only)
 * @param publicIp   annotation {@value #PUBLIC_IP}, or null: the underlay address its VTEP uses
 * @param problems   what is wrong with the object ("podCIDR \"x\" is not a CIDR")
 */
public record ClusterNode(
        String name,
        List<IpPrefix> podCidrs,
        InetAddress internalIp,
        InetAddress internalIpV6,
        String vtepMac,
        InetAddress publicIp,
        List<String> problems) {
    public static final String VTEP_MAC = "cni4j.dev/vtep-mac";
    public static final String PUBLIC_IP = "cni4j.dev/public-ip";

    /**
     * A CIDR from the API or the agent's settings, host bits cleared ("10.244.1.7/24" is
     * 10.244.1.0/24); an IPv4-mapped IPv6 one is refused (write the IPv4 form).
     */
    public static IpPrefix parseCidr(String text) {
        IpPrefix p = IpPrefix.parse(text.trim());
        if (p.address().isIPv4Mapped()) {
            throw new IllegalArgumentException("an IPv4-mapped IPv6 CIDR: \"" + text + "\" (write the IPv4 form)");
        }
        return p.masked();
    }

    /** An IP literal (no DNS) as the kernel layer takes it; IllegalArgumentException naming the text. */
    public static InetAddress parseAddress(String text) {
        return IpAddress.parse(text.trim()).toInetAddress();
    }

    /** Reads a fabric8 Node. Never throws: bad fields become {@link #problems}. */
    public static ClusterNode from(Node node) {
        String name = node.getMetadata().getName();
        List<String> problems = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        if (node.getSpec() != null && node.getSpec().getPodCIDRs() != null) {
            texts.addAll(node.getSpec().getPodCIDRs());
        }
        if (texts.isEmpty() && node.getSpec() != null && node.getSpec().getPodCIDR() != null) {
            texts.add(node.getSpec().getPodCIDR());
        }
        List<IpPrefix> cidrs = new ArrayList<>();
        for (String t : texts) {
            try {
                cidrs.add(parseCidr(t));
            } catch (IllegalArgumentException e) {
                problems.add("podCIDR \"" + t + "\" is invalid: " + e.getMessage());
            }
        }
        InetAddress internal = null, internalV6 = null;
        if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
            for (NodeAddress a : node.getStatus().getAddresses()) {
                if (!"InternalIP".equals(a.getType()) || a.getAddress() == null) {
                    continue;
                }
                try {
                    InetAddress ip = parseAddress(a.getAddress());
                    if (ip.getAddress().length == 4 && internal == null) {
                        internal = ip;
                    }
                    if (ip.getAddress().length == 16 && internalV6 == null) {
                        internalV6 = ip;
                    }
                } catch (IllegalArgumentException e) {
                    problems.add("InternalIP \"" + a.getAddress() + "\" is invalid");
                }
            }
        }
        Map<String, String> ann = node.getMetadata().getAnnotations();
        String mac = ann == null ? null : ann.get(VTEP_MAC);
        InetAddress publicIp = null;
        String pub = ann == null ? null : ann.get(PUBLIC_IP);
        if (pub != null) {
            try {
                publicIp = parseAddress(pub);
            } catch (IllegalArgumentException e) {
                problems.add("annotation " + PUBLIC_IP + " \"" + pub + "\" is invalid");
            }
        }
        if (mac != null && !mac.matches("(?i)([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
            problems.add("annotation " + VTEP_MAC + " \"" + mac + "\" is invalid");
            mac = null;
        }
        return new ClusterNode(name, List.copyOf(cidrs), internal, internalV6, mac, publicIp, List.copyOf(problems));
    }

    /** The first IPv4 pod CIDR, or null: a node without one gets no routes at all. */
    public IpPrefix podCidrV4() {
        for (IpPrefix c : podCidrs) {
            if (c.isIPv4()) {
                return c;
            }
        }
        return null;
    }

    /** The first IPv6 pod CIDR of a dual-stack node, or null. */
    public IpPrefix podCidrV6() {
        for (IpPrefix c : podCidrs) {
            if (!c.isIPv4()) {
                return c;
            }
        }
        return null;
    }

    /** This node without its IPv6 pod CIDR(s), for a peer whose IPv6 range cannot be routed. */
    ClusterNode withoutIpv6PodCidr() {
        return new ClusterNode(
                name,
                podCidrs.stream().filter(IpPrefix::isIPv4).toList(),
                internalIp,
                internalIpV6,
                vtepMac,
                publicIp,
                problems);
    }

    /** An IPv6-only node: an IPv6 pod CIDR and no IPv4 one. */
    public boolean ipv6Only() {
        return podCidrV4() == null && podCidrV6() != null;
    }

    /**
     * The address that carries node-to-node traffic: the IPv4 InternalIP, or the IPv6 one on a
     * node without an IPv4 InternalIP (an IPv6-only cluster).
     */
    public InetAddress internalUnderlayIp() {
        return internalIp != null ? internalIp : internalIpV6;
    }

    /** Where the node's VTEP is reached: the published underlay address, else its InternalIP (IPv4, else IPv6). */
    public InetAddress underlayAddress() {
        return publicIp != null ? publicIp : internalUnderlayIp();
    }
}
