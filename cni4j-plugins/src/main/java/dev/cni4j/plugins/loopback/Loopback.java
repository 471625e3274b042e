package dev.cni4j.plugins.loopback;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.plugins.common.Killpoint;
import dev.cni4j.plugins.common.PodNetns;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.util.List;

/**
 * The {@code loopback} plugin: brings {@code lo} up in the pod namespace (every sandbox needs it,
 * and containerd calls this with cniVersion 0.3.1 and ifname {@code lo}). Like the reference, it
 * always works on {@code lo} whatever {@code CNI_IFNAME} says and does not read {@code CNI_ARGS}.
 */
public final class Loopback implements Plugin {
    private static final String LO = "lo";

    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public Result add(Request request) {
        List<Address> addresses;
        try (NetNs ns = PodNetns.open(request);
                Rtnl rtnl = Rtnl.open(ns)) {
            Link lo = rtnl.links().require(LO);
            rtnl.links().setUp(lo.index());
            Killpoint.reached("loopback:up");
            addresses = rtnl.addresses().list(lo.index(), Rtnl.AF_UNSPEC);
        } catch (LinuxException e) {
            throw PodNetns.failure("failed to set up lo", e);
        }
        Result result = new Result();
        int lo = result.addInterface(new Result.Interface(LO, "00:00:00:00:00:00", request.netns()));
        boolean v4 = false;
        boolean v6 = false;
        for (Address a : addresses) {
            if (!a.address().isLoopbackAddress()) {
                throw new CniException(
                        ErrorCode.INTERNAL,
                        "loopback interface found with non-loopback address",
                        a.cidr() + " is on lo in " + request.netns());
            }
            v4 |= a.isIPv4();
            v6 |= !a.isIPv4();
        }
        if (v4) {
            result.ips().add(new Result.IpConfig("127.0.0.1/8", null, lo));
        }
        if (v6) {
            result.ips().add(new Result.IpConfig("::1/128", null, lo));
        }
        // Chained after another plugin, loopback passes the previous result through unchanged.
        Result prev = request.prevResult();
        return prev != null ? prev : result;
    }

    @Override
    public void del(Request request) {
        try (NetNs ns = PodNetns.openIfPresent(request)) {
            if (ns == null) {
                return; // no namespace, nothing to undo
            }
            try (Rtnl rtnl = Rtnl.open(ns)) {
                rtnl.links().get(LO).ifPresent(lo -> rtnl.links().setDown(lo.index()));
            }
        } catch (LinuxException e) {
            throw PodNetns.failure("failed to set lo down", e);
        }
    }

    @Override
    public void check(Request request) {
        try (NetNs ns = PodNetns.open(request);
                Rtnl rtnl = Rtnl.open(ns)) {
            Link lo = rtnl.links()
                    .get(LO)
                    .orElseThrow(() ->
                            new CniException(ErrorCode.INTERNAL, "loopback interface not found in " + request.netns()));
            if (!lo.isUp()) {
                throw new CniException(ErrorCode.INTERNAL, "loopback interface is down");
            }
        } catch (LinuxException e) {
            throw PodNetns.failure("failed to check lo", e);
        }
    }
}
