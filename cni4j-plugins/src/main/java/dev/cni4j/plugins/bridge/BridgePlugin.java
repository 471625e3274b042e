package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.plugins.common.PodNetns;
import dev.cni4j.plugins.common.Rollback;
import dev.cni4j.skel.Delegate;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code bridge} plugin: a veth pair per pod, the host end on a Linux bridge, addresses and
 * routes from the IPAM plugin. ADD reads top-down like a recipe and undoes every step if a later
 * one fails; DEL is idempotent.
 */
public final class BridgePlugin implements Plugin {

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public Result add(Request request) {
        BridgeConfig cfg = BridgeConfig.parse(request);
        try (NetNs pod = PodNetns.open(request);
                Rtnl host = Rtnl.openCurrent();
                Rtnl podRtnl = Rtnl.open(pod)) {
            // Undo runs inside the try: the sockets it needs are closed once the try is left.
            Rollback undo = new Rollback(request.log(), request.env().get(Rollback.FAILPOINT_ENV));
            try {
                Result result = add(request, cfg, pod, host, podRtnl, undo);
                undo.commit();
                return result;
            } catch (LinuxException e) {
                undo.undoAll();
                throw PodNetns.failure("bridge ADD failed", e);
            } catch (RuntimeException e) {
                undo.undoAll();
                throw e;
            }
        }
    }

    private Result add(Request request, BridgeConfig cfg, NetNs pod, Rtnl host, Rtnl podRtnl, Rollback undo) {
        if (podRtnl.links().get(request.ifname()).isPresent()) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT, "container already has an interface named " + request.ifname());
        }
        MacSpoofCheck spoofCheck =
                cfg.macSpoofCheck() ? new MacSpoofCheck(request.containerId(), request.ifname()) : null;
        if (spoofCheck != null) {
            spoofCheck.requireUsableId();
        }
        // IPAM first: a config it rejects then leaves nothing behind, not even a bridge.
        Result addresses = null;
        if (cfg.hasIpam()) {
            Delegate ipam = new Delegate(request);
            Result ipamResult = ipam.add(cfg.ipamType());
            undo.onFailure("release IPAM addresses", () -> ipam.invoke(cfg.ipamType(), "DEL"));
            if (ipamResult.ips().isEmpty()) {
                throw new CniException(ErrorCode.INTERNAL, "IPAM plugin returned missing IP config");
            }
            addresses = withGateways(ipamResult, cfg);
            undo.checkpoint("ipam");
        }
        // The masquerade rules need only the addresses: their nft transaction runs beside the link work.
        IpMasq.Started masquerade = null;
        if (cfg.ipMasq() && addresses != null) {
            masquerade = IpMasq.forConfig(cfg, request).start(addresses.ips());
            undo.onFailure("remove masquerade rules", masquerade::undo);
        }
        Link bridge = BridgeDevice.ensure(host, cfg, request.log());
        undo.checkpoint("bridge");
        String hostName = PodInterface.createVeth(host, pod, request.ifname(), cfg);
        undo.onFailure("delete veth " + hostName, () -> host.links().delete(hostName));
        undo.checkpoint("veth");
        Link hostVeth = PodInterface.attach(host, hostName, bridge, cfg);
        undo.checkpoint("attach");
        if (spoofCheck != null) {
            // Before the pod has addresses: from its first packet on only its own MAC passes.
            undo.onFailure("remove macspoofchk rules", spoofCheck::teardown);
            String mac = podRtnl.links().require(request.ifname()).mac();
            firewall("failed to set up macspoofchk rules", () -> spoofCheck.setup(hostName, mac));
            undo.checkpoint("macspoofchk");
        }

        if (addresses == null) {
            if (!cfg.disableContainerInterface()) {
                podRtnl.links().setUp(podRtnl.links().require(request.ifname()).index());
            }
            return describe(host, podRtnl, cfg, hostVeth, request, new Result());
        }
        PodInterface.configureContainer(pod, podRtnl, request.ifname(), addresses, cfg);
        undo.checkpoint("container");
        if (cfg.isGateway()) {
            for (Result.IpConfig ip : addresses.ips()) {
                IpAddress gateway = ip.gatewayAddress();
                if (gateway == null) {
                    throw CniException.invalidConfig("IPAM gave " + ip.address() + " no gateway");
                }
                IpPrefix gw = new IpPrefix(gateway, ip.prefix().length());
                GatewayAddresses.ensure(host, bridge, gw, cfg.forceAddress(), hostVeth.index(), request.log());
            }
            enableForwarding(addresses);
            undo.checkpoint("gateway");
        }
        if (masquerade != null) {
            firewall("failed to set up masquerade rules", masquerade::await);
            undo.checkpoint("masquerade");
        }
        Result result = describe(host, podRtnl, cfg, hostVeth, request, addresses);
        undo.checkpoint("result");
        return result;
    }

    /** Fills in a missing gateway (network + 1) when the bridge is the gateway, and the default routes. */
    private static Result withGateways(Result ipam, BridgeConfig cfg) {
        Result r = new Result();
        boolean[] hasDefault = new boolean[2];
        for (Result.Route route : ipam.routes()) {
            if ((route.dst().equals("0.0.0.0/0") || route.dst().equals("::/0"))
                    && route.gw() != null
                    && !route.gw().isEmpty()) {
                hasDefault[route.isIPv6() ? 1 : 0] = true;
            }
            r.routes().add(route);
        }
        for (Result.IpConfig ip : ipam.ips()) {
            String gw = ip.gateway();
            if ((gw == null || gw.isEmpty()) && cfg.isGateway()) {
                gw = ip.prefix().network().plus(1).toString();
            }
            r.ips().add(new Result.IpConfig(ip.address(), gw, 2));
            int family = ip.isIPv6() ? 1 : 0;
            if (cfg.isDefaultGateway() && !hasDefault[family] && gw != null) {
                r.routes().add(new Result.Route(ip.isIPv6() ? "::/0" : "0.0.0.0/0", gw));
                hasDefault[family] = true;
            }
        }
        r.dns(cfg.dns() != null ? cfg.dns() : ipam.dns());
        return r;
    }

    private static void enableForwarding(Result result) {
        boolean v4 = false;
        boolean v6 = false;
        for (Result.IpConfig ip : result.ips()) {
            v4 |= !ip.isIPv6();
            v6 |= ip.isIPv6();
        }
        if (v4 && !"1".equals(Sysctl.get("net/ipv4/ip_forward"))) {
            Sysctl.set("net/ipv4/ip_forward", "1");
        }
        if (v6 && !"1".equals(Sysctl.get("net/ipv6/conf/all/forwarding"))) {
            Sysctl.set("net/ipv6/conf/all/forwarding", "1");
        }
    }

    /** The result's interfaces: bridge, host veth, container end (re-read: the bridge MAC can change as ports join). */
    private static Result describe(
            Rtnl host, Rtnl podRtnl, BridgeConfig cfg, Link hostVeth, Request request, Result ipam) {
        Result r = new Result();
        Link bridge = host.links().require(cfg.bridge());
        Link veth = hostVeth; // its name and MAC stay as created: joining the bridge and going up change neither
        Link container = podRtnl.links().require(request.ifname());
        r.addInterface(new Result.Interface(bridge.name(), bridge.mac(), null));
        r.addInterface(new Result.Interface(veth.name(), veth.mac(), null));
        r.addInterface(new Result.Interface(container.name(), container.mac(), request.netns()));
        r.ips().addAll(ipam.ips());
        r.routes().addAll(ipam.routes());
        r.dns(ipam.dns());
        return r;
    }

    @Override
    public void del(Request request) {
        BridgeConfig cfg = BridgeConfig.parse(request);
        List<Result.IpConfig> ips = new ArrayList<>();
        Result prev = request.prevResult();
        if (prev != null) {
            ips.addAll(prev.ips());
        }
        try (NetNs pod = PodNetns.openIfPresent(request)) {
            if (pod != null) {
                try (Rtnl podRtnl = Rtnl.open(pod)) {
                    // the veth pair goes with its pod end; returns once both ends have left their
                    // namespaces, the kernel's ~20 ms RCU wait of the deletion goes on in the background
                    podRtnl.links()
                            .get(request.ifname())
                            .ifPresent(l -> podRtnl.links().deleteDetached(l.index()));
                }
            }
        } catch (LinuxException e) {
            throw PodNetns.failure("failed to delete " + request.ifname(), e);
        }
        if (cfg.macSpoofCheck()) {
            // Found by comment, so it works with the pod namespace gone; a failure is logged, as the reference does.
            try {
                new MacSpoofCheck(request.containerId(), request.ifname()).teardown();
            } catch (RuntimeException e) {
                request.log().println("bridge DEL: failed to remove macspoofchk rules: " + e.getMessage());
            }
        }
        if (cfg.hasIpam()) {
            new Delegate(request).invoke(cfg.ipamType(), "DEL");
        }
        if (cfg.ipMasq()) {
            firewall(
                    "failed to remove masquerade rules",
                    () -> IpMasq.forConfig(cfg, request).teardown(ips));
        }
    }

    @Override
    public void check(Request request) {
        BridgeConfig cfg = BridgeConfig.parse(request);
        Result prev = request.prevResult();
        if (prev == null) {
            throw new CniException(ErrorCode.INVALID_NETWORK_CONFIG, "Required prevResult missing");
        }
        if (cfg.hasIpam()) {
            new Delegate(request).invoke(cfg.ipamType(), "CHECK");
        }
        try (NetNs pod = PodNetns.open(request);
                Rtnl host = Rtnl.openCurrent();
                Rtnl podRtnl = Rtnl.open(pod)) {
            BridgeCheck.verify(host, podRtnl, cfg, request, prev);
        } catch (LinuxException e) {
            throw PodNetns.failure("bridge CHECK failed", e);
        }
    }

    @Override
    public void status(Request request) {
        BridgeConfig cfg = BridgeConfig.parse(request);
        try (Rtnl host = Rtnl.openCurrent()) {
            String problem = BridgeDevice.nfCallProblem(host, cfg.bridge());
            if (problem != null) {
                throw new CniException(ErrorCode.NOT_AVAILABLE_LIMITED_CONNECTIVITY, problem);
            }
        }
        if (cfg.hasIpam()) {
            new Delegate(request).invoke(cfg.ipamType(), "STATUS");
        }
    }

    @Override
    public void gc(Request request) {
        BridgeConfig cfg = BridgeConfig.parse(request);
        List<String> errors = new ArrayList<>();
        if (cfg.ipMasq()) {
            try {
                IpMasq.forConfig(cfg, request).gc(request.validAttachments());
            } catch (RuntimeException e) {
                errors.add(e.getMessage());
            }
        }
        if (cfg.macSpoofCheck()) {
            try (Rtnl host = Rtnl.openCurrent()) {
                MacSpoofCheck.gc(host, cfg.bridge(), request.validAttachments());
            } catch (RuntimeException e) {
                errors.add("macspoofchk: " + e.getMessage());
            }
        }
        if (cfg.hasIpam()) {
            try {
                new Delegate(request).invoke(cfg.ipamType(), "GC");
            } catch (RuntimeException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new CniException(ErrorCode.INTERNAL, "bridge GC: " + String.join("; ", errors));
        }
    }

    /**
     * Runs a firewall step: nft's or iptables' refusal becomes a CNI error (code 999) with the
     * tool's message, and the script as details, instead of an unexpected exception.
     */
    private static void firewall(String what, Runnable step) {
        try {
            step.run();
        } catch (FirewallException e) {
            throw new CniException(ErrorCode.INTERNAL.code(), "bridge: " + what + ": " + e.getMessage(), e.script(), e);
        }
    }
}
