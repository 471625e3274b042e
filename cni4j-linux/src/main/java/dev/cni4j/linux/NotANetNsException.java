package dev.cni4j.linux;

/**
 * A path exists but is not a network namespace (EINVAL): a plain file, another namespace type,
 * or a stale /run/netns entry whose bind mount is gone. In the last case, for CNI DEL, the
 * namespace has effectively vanished: see {@link #isStaleMountPoint()}.
 */
public final class NotANetNsException extends LinuxException {
    private static final long serialVersionUID = 1L;
    private final long fsMagic;
    private final boolean staleMountPoint;

    NotANetNsException(String operation, String message, long fsMagic, boolean staleMountPoint) {
        super(EINVAL, operation, message);
        this.fsMagic = fsMagic;
        this.staleMountPoint = staleMountPoint;
    }

    /** statfs f_type of the path (0x6e736673 nsfs for another namespace type). */
    public long fsMagic() {
        return fsMagic;
    }

    /**
     * An empty regular file (not procfs/sysfs): what /run/netns/NAME is after its namespace was
     * unmounted, e.g. by {@code ip netns del} or a runtime that already cleaned up.
     */
    public boolean isStaleMountPoint() {
        return staleMountPoint;
    }
}
