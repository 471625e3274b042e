package dev.cni4j.linux.netlink;

import dev.cni4j.linux.LinuxException;

/**
 * The kernel refused a netlink request: a negative errno in NLMSG_ERROR, plus the extended-ack
 * text the kernel attached (NLMSGERR_ATTR_MSG), e.g. "Unknown device type" or "Invalid prefix".
 */
public final class NetlinkException extends LinuxException {
    private static final long serialVersionUID = 1L;
    private final String extAck;

    public NetlinkException(int errno, String operation, String extAck) {
        super(
                errno,
                operation,
                operation + ": " + errnoName(errno) + " (" + describe(errno) + ")"
                        + (extAck == null || extAck.isEmpty() ? "" : ": " + extAck));
        this.extAck = extAck;
    }

    /** The kernel's extended-ack message, or null if it sent none. */
    public String extAck() {
        return extAck;
    }
}
