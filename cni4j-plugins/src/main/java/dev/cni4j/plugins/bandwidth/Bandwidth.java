package dev.cni4j.plugins.bandwidth;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.plugins.common.Killpoint;
import dev.cni4j.plugins.common.PodNetns;
import dev.cni4j.plugins.common.Rollback;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The chained {@code bandwidth} plugin: shapes a veth-attached pod with tbf, ingress on the host
 * veth and egress through an ifb device (see {@link TrafficShaper}), from the config or the
 * {@code bandwidth} capability (see {@link BandwidthLimits}), with bursts kept inside what tbf can
 * honour (see {@link TokenBucket}). Output: prevResult with the ifb appended to interfaces.
 */
public final class Bandwidth implements Plugin {
    private static final List<String> VERSIONS =
            List.of(CniVersion.V0_3_0, CniVersion.V0_3_1, CniVersion.V0_4_0, CniVersion.V1_0_0, CniVersion.V1_1_0);

    @Override
    public String name() {
        return "bandwidth";
    }

    /** Like the reference: results before 0.3.0 have no interfaces to find the veth in. */
    @Override
    public List<String> supportedVersions() {
        return VERSIONS;
    }

    @Override
    public Result add(Request request) {
        BandwidthLimits limits = BandwidthLimits.from(request.config());
        Result prev = request.prevResult();
        if (limits.isZero()) {
            return prev != null ? prev : new Result();
        }
        if (prev == null) {
            throw CniException.invalidConfig("must be called as chained plugin");
        }
        try (NetNs pod = PodNetns.open(request);
                Rtnl node = Rtnl.openCurrent()) {
            Link veth = HostVeth.find(prev, request.ifname(), pod, node);
            TrafficShaper shaper = new TrafficShaper(node);
            int owner = IfbOwnerTag.tbfHandle(request.networkName(), request.containerId());
            Rollback rollback = new Rollback(request.log());
            try {
                if (limits.limitsIngress()) {
                    shaper.limitIngress(
                            veth, owner, TokenBucket.of(limits.ingressRate(), limits.ingressBurst(), veth.mtu()));
                    rollback.onFailure(
                            "ingress tbf on " + veth.name(), () -> shaper.clearHostVeth(veth, owner, Optional.empty()));
                    Killpoint.reached("bandwidth:ingress");
                }
                if (limits.limitsEgress()) {
                    String ifbName = IfbDevice.name(request.networkName(), request.containerId());
                    rollback.onFailure("ifb " + ifbName, () -> {
                        shaper.clearHostVeth(veth, owner, shaper.ifb(ifbName));
                        shaper.removeIfb(ifbName);
                    });
                    Link ifb = shaper.limitEgress(
                            veth,
                            ifbName,
                            IfbOwnerTag.of(request.networkName(), request.containerId()),
                            owner,
                            TokenBucket.of(limits.egressRate(), limits.egressBurst(), veth.mtu()));
                    prev.interfaces().add(new Result.Interface(ifbName, ifb.mac(), null));
                    Killpoint.reached("bandwidth:egress");
                }
                rollback.commit();
            } finally {
                rollback.undoAll();
            }
            return prev;
        } catch (LinuxException e) {
            throw PodNetns.failure("bandwidth: failed to set up traffic shaping", e);
        }
    }

    @Override
    public void del(Request request) {
        String ifbName = IfbDevice.name(request.networkName(), request.containerId());
        try (Rtnl node = Rtnl.openCurrent();
                NetNs pod = openForDel(request)) {
            TrafficShaper shaper = new TrafficShaper(node);
            // The host veth keeps its qdiscs until the main plugin deletes it; remove ours now, and
            // only ours: prevResult may name a veth this attachment never shaped.
            int owner = IfbOwnerTag.tbfHandle(request.networkName(), request.containerId());
            HostVeth.findIfPresent(prevResultOrNull(request), request.ifname(), pod, node)
                    .ifPresent(veth -> shaper.clearHostVeth(veth, owner, shaper.ifb(ifbName)));
            shaper.removeIfb(ifbName);
        } catch (LinuxException e) {
            throw PodNetns.failure("bandwidth: failed to remove traffic shaping", e);
        }
    }

    @Override
    public void check(Request request) {
        BandwidthLimits limits = BandwidthLimits.from(request.config());
        Result prev = request.prevResult();
        if (prev == null) {
            throw CniException.invalidConfig("must be called as a chained plugin");
        }
        if (limits.isZero()) {
            return;
        }
        try (NetNs pod = PodNetns.open(request);
                Rtnl node = Rtnl.openCurrent()) {
            Link veth = HostVeth.find(prev, request.ifname(), pod, node);
            TrafficShaper shaper = new TrafficShaper(node);
            String problem = null;
            if (limits.limitsIngress()) {
                problem = shaper.checkIngress(
                        veth, TokenBucket.of(limits.ingressRate(), limits.ingressBurst(), veth.mtu()));
            }
            if (problem == null && limits.limitsEgress()) {
                problem = shaper.checkEgress(
                        veth,
                        IfbDevice.name(request.networkName(), request.containerId()),
                        TokenBucket.of(limits.egressRate(), limits.egressBurst(), veth.mtu()));
            }
            if (problem != null) {
                throw new CniException(ErrorCode.INTERNAL, "bandwidth: " + problem);
            }
        } catch (LinuxException e) {
            throw PodNetns.failure("bandwidth: failed to check traffic shaping", e);
        }
    }

    /** Removes ifb devices of this network's attachments that are not valid, and orphaned ones. */
    @Override
    public void gc(Request request) {
        Set<String> keep = new HashSet<>();
        for (Request.Attachment a : request.validAttachments()) {
            keep.add(IfbDevice.name(request.networkName(), a.containerId()));
        }
        try (Rtnl node = Rtnl.openCurrent()) {
            for (String removed : new TrafficShaper(node).removeStale(keep, request.networkName())) {
                request.log().println("bandwidth gc: removed " + removed);
            }
        } catch (LinuxException e) {
            throw PodNetns.failure("bandwidth: gc failed", e);
        }
    }

    /** The pod namespace if it can still be opened; DEL only needs it to find the veth. */
    private static NetNs openForDel(Request request) {
        try {
            return PodNetns.openIfPresent(request);
        } catch (CniException notANamespace) {
            return null; // e.g. a stale /run/netns mount point: the veth went with the namespace
        }
    }

    private static Result prevResultOrNull(Request request) {
        try {
            return request.prevResult();
        } catch (RuntimeException unreadable) {
            return null; // DEL must not fail on a cached result it cannot read
        }
    }
}
