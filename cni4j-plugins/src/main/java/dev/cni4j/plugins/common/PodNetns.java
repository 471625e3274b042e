package dev.cni4j.plugins.common;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetNsNotFoundException;
import dev.cni4j.linux.NotANetNsException;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.nio.file.Path;

/** Opens {@code CNI_NETNS} with the errors a runtime should see, shared by the plugins. */
public final class PodNetns {
    private PodNetns() {}

    private static NetNs openPath(Request request) {
        Path path = request.netnsPath();
        if (path == null) {
            throw new NetNsNotFoundException(
                    "open netns " + request.netns()); // relocated, but the caller could not open it
        }
        return NetNs.open(path);
    }

    /**
     * Opens the pod namespace for ADD/CHECK ({@link Request#netnsPath()}): a missing or wrong path
     * is a CNI error naming the runtime's {@code CNI_NETNS}.
     */
    public static NetNs open(Request request) {
        String path = request.netns();
        try {
            return openPath(request);
        } catch (NetNsNotFoundException e) {
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT, "CNI_NETNS \"" + path + "\" does not exist");
        } catch (LinuxException e) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT,
                    "CNI_NETNS \"" + path + "\" is not a network namespace: " + e.getMessage());
        }
    }

    /** Opens the pod namespace for DEL: null when the runtime gave none or it is already gone. */
    public static NetNs openIfPresent(Request request) {
        String path = request.netns();
        if (path.isEmpty()) {
            return null;
        }
        try {
            return openPath(request);
        } catch (NetNsNotFoundException e) {
            return null;
        } catch (NotANetNsException e) {
            if (e.isStaleMountPoint()) {
                return null; // a /run/netns entry whose namespace was unmounted: gone too
            }
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT,
                    "CNI_NETNS \"" + path + "\" is not a network namespace: " + e.getMessage());
        } catch (LinuxException e) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT,
                    "CNI_NETNS \"" + path + "\" is not a network namespace: " + e.getMessage());
        }
    }

    /** A kernel error during a plugin step, as a CNI error that says what failed. */
    public static CniException failure(String step, LinuxException e) {
        return new CniException(ErrorCode.INTERNAL.code(), step + ": " + e.getMessage(), null, e);
    }
}
