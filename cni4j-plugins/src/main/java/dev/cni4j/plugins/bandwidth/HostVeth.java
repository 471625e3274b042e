package dev.cni4j.plugins.bandwidth;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.util.Optional;

/**
 * Finds the host end of the pod's veth, as the reference does: the container interface's peer
 * index (IFLA_LINK, read inside the pod namespace) names a link in the node namespace, which
 * must be listed in {@code prevResult.interfaces} without a sandbox. Only veth-based main
 * plugins (bridge, ptp) have one.
 */
final class HostVeth {
    private HostVeth() {}

    /** The host veth, or a CNI error saying why there is none. */
    static Link find(Result prev, String ifname, NetNs pod, Rtnl node) {
        if (prev.interfaces().isEmpty()) {
            throw new CniException(ErrorCode.INTERNAL, "no interfaces provided");
        }
        int peerIndex;
        try (Rtnl inPod = Rtnl.open(pod)) {
            Link container = inPod.links()
                    .get(ifname)
                    .orElseThrow(() -> new CniException(
                            ErrorCode.INTERNAL,
                            "container interface " + ifname + " has no veth peer: it does not exist in " + pod.path()));
            if (!"veth".equals(container.kind()) || container.parentIndex() <= 0) {
                throw new CniException(ErrorCode.INTERNAL, "container interface " + ifname + " has no veth peer");
            }
            peerIndex = container.parentIndex();
        }
        Link peer = node.links()
                .get(peerIndex)
                .orElseThrow(() -> new CniException(
                        ErrorCode.INTERNAL, "veth peer with index " + peerIndex + " is not in host ns"));
        for (Result.Interface i : prev.interfaces()) {
            if ((i.sandbox() == null || i.sandbox().isEmpty()) && peer.name().equals(i.name())) {
                return peer;
            }
        }
        throw new CniException(
                ErrorCode.INTERNAL,
                "no veth peer of container interface found in host ns",
                peer.name() + " is not listed in prevResult.interfaces");
    }

    /** Best effort for DEL: the host veth when the pod and its veth still exist, else empty. */
    static Optional<Link> findIfPresent(Result prev, String ifname, NetNs pod, Rtnl node) {
        if (prev == null || pod == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(find(prev, ifname, pod, node));
        } catch (RuntimeException gone) {
            return Optional.empty();
        }
    }
}
