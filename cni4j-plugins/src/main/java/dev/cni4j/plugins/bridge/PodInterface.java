package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Veth;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;

/** The veth pair of one attachment: host end on the bridge, container end named CNI_IFNAME. */
final class PodInterface {
    private PodInterface() {}

    /** Creates the pair with the peer placed directly in the pod namespace; returns the host end's name. */
    static String createVeth(Rtnl host, NetNs pod, String ifname, BridgeConfig cfg) {
        try {
            // a random host name, drawn again when taken; EEXIST for CNI_IFNAME in the pod is final
            return host.links().createVethWithRandomName(new Veth(null, ifname, pod, cfg.mtu(), null, cfg.mac()));
        } catch (LinuxException e) {
            throw new CniException(
                    ErrorCode.INTERNAL.code(),
                    "failed to create veth pair for " + ifname + ": " + e.getMessage(),
                    null,
                    e);
        }
    }

    /** Attaches the host end to the bridge with the port options, and brings it up. */
    static Link attach(Rtnl host, String hostName, Link bridge, BridgeConfig cfg) {
        Link veth = host.links().require(hostName);
        host.links().setMaster(veth.index(), bridge.index());
        if (cfg.hairpinMode()) {
            host.bridgePorts().setHairpin(veth.index(), true);
        }
        if (cfg.portIsolation()) {
            host.bridgePorts().setIsolated(veth.index(), true);
        }
        if (cfg.hasVlans()) {
            configureVlans(host, veth.index(), cfg);
        }
        host.links().setUp(veth.index());
        return veth;
    }

    private static void configureVlans(Rtnl host, int port, BridgeConfig cfg) {
        if (!cfg.preserveDefaultVlan()) {
            host.bridgePorts().deleteVlan(port, 1, false);
        }
        int nativeVlan = cfg.vlan() != 0 ? cfg.vlan() : 1;
        for (int[] range : cfg.vlanTrunk()) {
            for (int vid = range[0]; vid <= range[1]; vid++) {
                if (vid != nativeVlan) {
                    host.bridgePorts().addVlan(port, vid, false, false, false);
                }
            }
        }
        if (cfg.vlan() != 0 || !cfg.vlanTrunk().isEmpty()) {
            host.bridgePorts().addVlan(port, nativeVlan, true, true, false);
        }
    }

    /**
     * Configures the container end inside the pod: DAD settings, addresses, link up, routes. Runs
     * on a thread inside the pod namespace because /proc/sys/net follows the opening thread.
     */
    static void configureContainer(NetNs pod, Rtnl podRtnl, String ifname, Result ipam, BridgeConfig cfg) {
        Link link = podRtnl.links().require(ifname);
        boolean v6 = false;
        for (Result.IpConfig ip : ipam.ips()) {
            v6 |= ip.isIPv6();
        }
        if (v6) {
            final boolean dad = cfg.enableDad();
            pod.run(() -> {
                Sysctl.set("net/ipv6/conf/" + ifname + "/disable_ipv6", "0");
                Sysctl.set("net/ipv6/conf/lo/disable_ipv6", "0");
                Sysctl.set("net/ipv6/conf/" + ifname + "/accept_dad", dad ? "1" : "0");
                Sysctl.set("net/ipv6/conf/" + ifname + "/keep_addr_on_down", "1");
                return null;
            });
        }
        pod.run(() -> {
            Sysctl.set("net/ipv4/conf/" + ifname + "/arp_notify", "1");
            return null;
        });
        for (Result.IpConfig ip : ipam.ips()) {
            IpPrefix c = ip.prefix();
            int flags = c.isIPv4() || cfg.enableDad() ? 0 : Address.IFA_F_NODAD;
            podRtnl.addresses().add(link.index(), c.address().toInetAddress(), c.length(), flags);
        }
        podRtnl.links().setUp(link.index());
        for (Result.Route r : ipam.routes()) {
            podRtnl.routes().add(toKernelRoute(r, gatewayFor(r, ipam), link.index()));
        }
    }

    /** A route without {@code gw} goes via the gateway of its family, as the reference does. */
    private static IpAddress gatewayFor(Result.Route r, Result ipam) {
        IpAddress gw = r.gatewayAddress();
        if (gw != null) {
            return gw;
        }
        for (Result.IpConfig ip : ipam.ips()) {
            if (ip.isIPv6() == r.isIPv6() && ip.gatewayAddress() != null) {
                return ip.gatewayAddress();
            }
        }
        return null;
    }

    static Route toKernelRoute(Result.Route r, IpAddress gw, int dev) {
        IpPrefix dst = r.destination().masked();
        Route route = Route.to(dst.address().toInetAddress(), dst.length()).dev(dev);
        if (gw != null) {
            route = route.via(gw.toInetAddress());
        } else {
            route = route.withScope(Route.SCOPE_LINK);
        }
        if (r.scope() != null) {
            route = route.withScope(r.scope());
        }
        if (r.table() != null) {
            route = route.withTable(r.table());
        }
        if (r.priority() != null) {
            route = route.withMetric(r.priority());
        }
        if (r.mtu() != null) {
            route = route.withMtu(r.mtu());
        }
        return route;
    }
}
