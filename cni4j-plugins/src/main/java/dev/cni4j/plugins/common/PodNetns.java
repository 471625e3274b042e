package dev.cni4j.plugins.common;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetNsNotFoundException;
import dev.cni4j.linux.NotANetNsException;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.nio.file.Path;

/** Opens {@code CNI_NETNS} with the errors a runtime should see, shared by the plugins. */
public final class PodNetns {
    private PodNetns() {
    }

    /** Opens the pod namespace for ADD/CHECK: a missing or wrong path is a CNI error. */
    public static NetNs open(String path) {
        try {
            return NetNs.open(Path.of(path));
        } catch (NetNsNotFoundException e) {
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT, "CNI_NETNS \"" + path + "\" does not exist");
        } catch (LinuxException e) {
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT,
                    "CNI_NETNS \"" + path + "\" is not a network namespace: " + e.getMessage());
        }
    }

    /** Opens the pod namespace for DEL: null when the runtime gave none or it is already gone. */
    public static NetNs openIfPresent(String path) {
        if (path == null || path.isEmpty()) {
            return null;
        }
        try {
            return NetNs.open(Path.of(path));
        } catch (NetNsNotFoundException e) {
            return null;
        } catch (NotANetNsException e) {
            if (e.isStaleMountPoint()) {
                return null; // a /run/netns entry whose namespace was unmounted: gone too
            }
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT,
                    "CNI_NETNS \"" + path + "\" is not a network namespace: " + e.getMessage());
        } catch (LinuxException e) {
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT,
                    "CNI_NETNS \"" + path + "\" is not a network namespace: " + e.getMessage());
        }
    }

    /** A kernel error during a plugin step, as a CNI error that says what failed. */
    public static CniException failure(String step, LinuxException e) {
        return new CniException(ErrorCode.INTERNAL.code(), step + ": " + e.getMessage(), null, e);
    }
}
