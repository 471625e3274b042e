package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.util.List;

/** CHECK: the attachment is still what {@code prevResult} says. */
final class BridgeCheck {
    private BridgeCheck() {}

    static void verify(Rtnl host, Rtnl pod, BridgeConfig cfg, Request request, Result prev) {
        Link bridge = host.links().get(cfg.bridge()).orElseThrow(() -> fail("bridge " + cfg.bridge() + " not found"));
        if (!"bridge".equals(bridge.kind())) {
            throw fail(cfg.bridge() + " is not a bridge");
        }
        if (cfg.promiscMode() != bridge.isPromiscuous()) {
            throw fail("bridge " + cfg.bridge() + " promiscuous mode is " + bridge.isPromiscuous() + ", config says "
                    + cfg.promiscMode());
        }
        Link container = pod.links()
                .get(request.ifname())
                .orElseThrow(() -> fail("interface " + request.ifname() + " not found in " + request.netns()));
        if (!"veth".equals(container.kind())) {
            throw fail(request.ifname() + " is not a veth");
        }
        Link hostVeth = null;
        for (Result.Interface i : prev.interfaces()) {
            if (i.name() == null) {
                continue;
            }
            if (i.sandbox() != null && !i.sandbox().isEmpty()) {
                if (i.name().equals(request.ifname())) {
                    if (!i.sandbox().equals(request.netns())) {
                        throw fail("sandbox " + i.sandbox() + " of " + i.name() + " is not " + request.netns());
                    }
                    if (i.mac() != null && !i.mac().isEmpty() && !i.mac().equalsIgnoreCase(container.mac())) {
                        throw fail(i.name() + " has MAC " + container.mac() + ", expected " + i.mac());
                    }
                }
            } else if (i.name().equals(cfg.bridge())) {
                if (i.mac() != null && !i.mac().isEmpty() && !i.mac().equalsIgnoreCase(bridge.mac())) {
                    throw fail("bridge " + cfg.bridge() + " has MAC " + bridge.mac() + ", expected " + i.mac());
                }
            } else {
                Link l = host.links().get(i.name()).orElse(null);
                if (l != null && "veth".equals(l.kind()) && l.index() == container.parentIndex()) {
                    hostVeth = l;
                }
            }
        }
        if (hostVeth == null) {
            throw fail("the host end of " + request.ifname() + " is not in prevResult or gone");
        }
        if (hostVeth.masterIndex() != bridge.index()) {
            throw fail(hostVeth.name() + " is not attached to bridge " + cfg.bridge());
        }
        List<Address> addresses = pod.addresses().list(container.index(), Rtnl.AF_UNSPEC);
        for (Result.IpConfig ip : prev.ips()) {
            IpPrefix want = ip.prefix();
            boolean found = false;
            for (Address a : addresses) {
                found |= IpAddress.of(a.address()).equals(want.address()) && a.prefixLength() == want.length();
            }
            if (!found) {
                throw fail(request.ifname() + " lacks address " + ip.address());
            }
        }
        for (Result.Route r : prev.routes()) {
            IpPrefix dst = r.destination().masked();
            boolean found = false;
            for (Route k : pod.routes().list(dst.isIPv4() ? Rtnl.AF_INET : Rtnl.AF_INET6)) {
                if (k.prefixLength() != dst.length()) {
                    continue;
                }
                found |= dst.length() == 0 || dst.address().equals(IpAddress.of(k.destination()));
            }
            if (!found) {
                throw fail("route to " + r.dst() + " is missing in " + request.netns());
            }
        }
    }

    private static CniException fail(String msg) {
        return new CniException(ErrorCode.INTERNAL, msg);
    }
}
