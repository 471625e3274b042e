package dev.cni4j.plugins.common;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetNsNotFoundException;
import dev.cni4j.linux.NotANetNsException;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Opens {@code CNI_NETNS} with the errors a runtime should see, shared by the plugins. */
public final class PodNetns {
    /**
     * Set by the fast-path daemon while it serves a caller in another mount namespace, where
     * {@code CNI_NETNS} names a path the daemon cannot see: the same namespace as the caller's
     * open fd ({@code /proc/<pid>/fd/<n>}), or null when the caller could not open it. Inherited
     * by threads the plugin starts. Results and errors keep naming the caller's path.
     */
    private static final InheritableThreadLocal<Located> LOCATED = new InheritableThreadLocal<>();

    private record Located(String requested, Path actual) {
    }

    private PodNetns() {
    }

    /** Runs {@code work} with {@code requested} (a CNI_NETNS value) opened at {@code actual} instead; null: absent. */
    public static <T> T locatedAt(String requested, Path actual, Supplier<T> work) {
        Located before = LOCATED.get();
        LOCATED.set(new Located(requested, actual));
        try {
            return work.get();
        } finally {
            LOCATED.set(before);
        }
    }

    private static NetNs openPath(String path) {
        Located located = LOCATED.get();
        if (located == null || !located.requested().equals(path)) {
            return NetNs.open(Path.of(path));
        }
        if (located.actual() == null) {
            throw new NetNsNotFoundException("open netns " + path);
        }
        return NetNs.open(located.actual());
    }

    /** Opens the pod namespace for ADD/CHECK: a missing or wrong path is a CNI error. */
    public static NetNs open(String path) {
        try {
            return openPath(path);
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
            return openPath(path);
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
