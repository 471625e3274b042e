package dev.cni4j.agent.route;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;

/**
 * The node's IP forwarding switches: nodes route pod traffic. Written only when off, since a
 * non-privileged container has /proc/sys read-only and a node set up by its admin needs nothing.
 */
public final class Forwarding {
    private final NetNs ns;

    public Forwarding(NetNs ns) {
        this.ns = ns;
    }

    /** net.ipv4.ip_forward, at start. */
    public void ensureIpv4() {
        ensure("net/ipv4/ip_forward", "net.ipv4.ip_forward");
    }

    /**
     * net.ipv6.conf.all.forwarding, only once the node has an IPv6 pod CIDR: turning it on
     * makes interfaces ignore router advertisements (accept_ra=1), which an IPv4-only node may
     * rely on for its own IPv6 default route. Dual-stack Kubernetes requires it anyway.
     */
    public void ensureIpv6() {
        ensure("net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding");
    }

    private void ensure(String key, String name) {
        if ("1".equals(Sysctl.get(ns, key))) {
            return;
        }
        try {
            Sysctl.set(ns, key, "1");
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    name + " is 0 and cannot be set (" + e.getMessage()
                            + "); enable it on the node or run the agent privileged",
                    e);
        }
    }
}
