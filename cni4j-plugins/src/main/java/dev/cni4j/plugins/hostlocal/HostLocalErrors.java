package dev.cni4j.plugins.hostlocal;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;

/** The CNI errors host-local raises, so that codes stay consistent across the package. */
final class HostLocalErrors {
    private HostLocalErrors() {}

    /** A bad IPAM config (code 7): reported before anything is written to disk. */
    static CniException config(String msg) {
        return new CniException(ErrorCode.INVALID_NETWORK_CONFIG, msg);
    }

    /** An allocation that cannot be served (pool full, IP taken): the reference's generic code 999. */
    static CniException allocation(String msg) {
        return new CniException(ErrorCode.INTERNAL, msg);
    }

    /** The node's pod CIDR is not known yet (code 11): the runtime retries. */
    static CniException podCidrNotReady(String msg) {
        return new CniException(
                ErrorCode.TRY_AGAIN_LATER,
                msg,
                "\"subnet\": \"usePodCidr\" needs the node's pod CIDR(s), from the cni4j node agent's file"
                        + " or else the Node object in the Kubernetes API");
    }
}
