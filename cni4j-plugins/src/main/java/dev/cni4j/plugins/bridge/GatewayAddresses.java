package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.PrintStream;
import java.util.List;

/**
 * Gateway addresses on the bridge ({@code isGateway}). A bridge can hold a stale address from an
 * old subnet (the most reported Flannel problem, after a podCIDR change): it is replaced when
 * {@code forceAddress} is set or when no other pod is on the bridge, and otherwise reported with
 * what to do.
 */
final class GatewayAddresses {
    private GatewayAddresses() {}

    static void ensure(Rtnl host, Link bridge, IpPrefix gateway, boolean force, int ownPort, PrintStream log) {
        int family = gateway.isIPv4() ? Rtnl.AF_INET : Rtnl.AF_INET6;
        List<Address> present = host.addresses().list(bridge.index(), family);
        for (Address a : present) {
            if (IpAddress.of(a.address()).equals(gateway.address()) && a.prefixLength() == gateway.length()) {
                return;
            }
        }
        for (Address a : present) {
            if (a.scope() != Address.SCOPE_UNIVERSE || !conflicts(a, gateway)) {
                continue;
            }
            if (!force && hasOtherPorts(host, bridge, ownPort)) {
                throw new CniException(
                        ErrorCode.INVALID_NETWORK_CONFIG,
                        "\"" + bridge.name() + "\" already has an IP address different from " + gateway,
                        "it holds " + a.cidr()
                                + ", from an earlier subnet, while pods still use the bridge: delete those "
                                + "pods (or the address: ip addr del " + a.cidr() + " dev " + bridge.name()
                                + "), or set \"forceAddress\": true");
            }
            log.println("bridge: replacing stale address " + a.cidr() + " on " + bridge.name() + " with " + gateway);
            host.addresses().delete(bridge.index(), a.address(), a.prefixLength());
        }
        try {
            host.addresses()
                    .add(
                            bridge.index(),
                            gateway.address().toInetAddress(),
                            gateway.length(),
                            gateway.isIPv4() ? 0 : Address.IFA_F_NODAD);
        } catch (LinuxException e) {
            if (e.errno() != LinuxException.EEXIST) { // a concurrent ADD put it there first
                throw e;
            }
        }
    }

    /** IPv4: a bridge has one gateway address. IPv6: only overlapping prefixes conflict. */
    private static boolean conflicts(Address a, IpPrefix gateway) {
        if (gateway.isIPv4()) {
            return true;
        }
        return new IpPrefix(IpAddress.of(a.address()), a.prefixLength()).overlaps(gateway);
    }

    private static boolean hasOtherPorts(Rtnl host, Link bridge, int ownPort) {
        for (Link l : host.links().list()) {
            if (l.masterIndex() == bridge.index() && l.index() != ownPort) {
                return true;
            }
        }
        return false;
    }
}
