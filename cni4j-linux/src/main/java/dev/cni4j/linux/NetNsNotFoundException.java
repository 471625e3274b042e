package dev.cni4j.linux;

/**
 * A network namespace path does not exist (ENOENT). CNI DEL treats this as success: the pod's
 * namespace is already gone, and with it everything inside.
 */
public final class NetNsNotFoundException extends LinuxException {
    private static final long serialVersionUID = 1L;

    public NetNsNotFoundException(String operation) {
        super(ENOENT, operation);
    }
}
