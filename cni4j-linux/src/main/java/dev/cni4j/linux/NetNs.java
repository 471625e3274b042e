package dev.cni4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An open network namespace: a file descriptor on an nsfs file such as {@code /run/netns/NAME},
 * {@code /proc/PID/ns/net} or a CNI runtime's {@code /var/run/netns/cni-...}.
 *
 * <p>{@link #run} executes work inside the namespace on a fresh platform thread, which switches
 * back and then exits, so the caller's thread never changes namespace and a failed switch cannot
 * leak into other work.
 * Named namespaces ({@link #create}, {@link #delete}, {@link #list}) behave like
 * {@code ip netns add/del/list}.
 */
public final class NetNs implements AutoCloseable {
    /** Where {@code ip netns} keeps its bind mounts. */
    public static final Path RUN_NETNS = Path.of("/run/netns");

    private static final long NSFS_MAGIC = 0x6e736673L, PROC_SUPER_MAGIC = 0x9fa0L, SYSFS_MAGIC = 0x62656572L;
    private static final long NS_GET_NSTYPE = 0xb703;
    private static final int STATFS_SIZE = 120; // struct statfs on x86_64, f_type is the first long
    private static final int STAT_SIZE = 144; // struct stat on x86_64: st_dev @0, st_ino @8, st_mode @24, st_size @48

    private final Path path;
    private volatile int fd;

    private NetNs(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens the namespace at {@code path}.
     *
     * @throws NetNsNotFoundException if the path does not exist (a vanished pod namespace)
     * @throws NotANetNsException (EINVAL) if the path is not a network namespace
     */
    public static NetNs open(Path path) {
        String p = path.toString();
        int fd = Native.openRaw(p, Native.O_RDONLY | Native.O_CLOEXEC, 0);
        if (fd == -Native.ENOENT) {
            throw new NetNsNotFoundException("open netns " + p);
        }
        if (fd < 0) {
            throw LinuxException.of(-fd, "open netns " + p);
        }
        try {
            verifyNetNs(fd, p);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
        return new NetNs(path, fd);
    }

    /** Takes ownership of {@code fd}, an open network namespace (e.g. from SIOCGSKNS). */
    static NetNs ofFd(int fd, String description) {
        return new NetNs(Path.of(description), fd);
    }

    /** The namespace of the calling thread (from /proc/thread-self, not the launcher's /proc/self). */
    public static NetNs current() {
        return open(Path.of("/proc/thread-self/ns/net"));
    }

    private static void verifyNetNs(int fd, String p) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STATFS_SIZE, 8);
            Native.call("fstatfs " + p, Native.SYS_FSTATFS, fd, st.address(), 0);
            long magic = st.get(ValueLayout.JAVA_LONG, 0);
            if (magic != NSFS_MAGIC) {
                boolean stale = isEmptyRegularFile(fd, p) && magic != PROC_SUPER_MAGIC && magic != SYSFS_MAGIC;
                throw new NotANetNsException(
                        "open netns " + p,
                        "open netns " + p
                                + ": not a namespace file (filesystem magic 0x" + Long.toHexString(magic)
                                + ", want nsfs"
                                + (stale ? "; an empty file: its namespace was unmounted)" : ")"),
                        magic,
                        stale);
            }
        }
        long type = Native.raw(Native.SYS_IOCTL, fd, NS_GET_NSTYPE, 0, 0, 0, 0);
        if (type >= 0 && type != Native.CLONE_NEWNET) {
            throw new NotANetNsException(
                    "open netns " + p,
                    "open netns " + p + ": a namespace, but not a network namespace (type 0x" + Long.toHexString(type)
                            + ")",
                    NSFS_MAGIC,
                    false);
        }
    }

    private static boolean isEmptyRegularFile(int fd, String p) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STAT_SIZE, 8);
            Native.call("fstat " + p, Native.SYS_FSTAT, fd, st.address(), 0);
            int mode = st.get(ValueLayout.JAVA_INT, 24);
            long size = st.get(ValueLayout.JAVA_LONG, 48);
            return (mode & 0170000) == 0100000 && size == 0;
        }
    }

    /** The path this namespace was opened from. */
    public Path path() {
        return path;
    }

    /** The open file descriptor (for IFLA_NET_NS_FD and friends); valid until {@link #close}. */
    public int fd() {
        int f = fd;
        if (f < 0) {
            throw new IllegalStateException("netns " + path + " is closed");
        }
        return f;
    }

    /**
     * The namespace's identity: device and inode of its nsfs file (what {@code ip netns identify}
     * and {@code /proc/PID/ns/net -> net:[INODE]} show).
     */
    public long inode() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STAT_SIZE, 8);
            Native.call("fstat netns " + path, Native.SYS_FSTAT, fd(), st.address(), 0);
            return st.get(ValueLayout.JAVA_LONG, 8); // st_ino; st_dev (offset 0) is the one nsfs
        }
    }

    /**
     * The calling thread's namespace's {@link #inode()}, in one stat of /proc/thread-self/ns/net
     * (no descriptor to open, check and close): what per-namespace caches key by, per call.
     */
    public static long currentInode() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STAT_SIZE, 8);
            Native.call(
                    "stat /proc/thread-self/ns/net",
                    Native.SYS_NEWFSTATAT,
                    Native.AT_FDCWD,
                    Native.cString(a, "/proc/thread-self/ns/net").address(),
                    st.address(),
                    0,
                    0,
                    0);
            return st.get(ValueLayout.JAVA_LONG, 8);
        }
    }

    /** True if both refer to the same namespace, e.g. to refuse a pod netns that is the host's. */
    public boolean isSameNamespace(NetNs other) {
        return inode() == other.inode();
    }

    /** Work that runs inside a namespace; may throw one checked exception type. */
    @FunctionalInterface
    public interface Work<T, X extends Exception> {
        T call() throws X;
    }

    /**
     * Runs {@code work} inside this namespace and returns its result. Child processes started by
     * the work inherit this namespace; sockets it opens stay bound to it. A platform thread
     * switches itself in and back (a thread per call cost ~0.1 ms, ~10 times per pod); a virtual
     * thread hands the work to a fresh platform thread, since switching it would switch its
     * carrier, which other virtual threads share.
     */
    public <T, X extends Exception> T run(Work<T, X> work) throws X {
        int nsFd = fd();
        if (Thread.currentThread().isVirtual()) {
            return onNewThread("netns " + path, () -> inside(nsFd, work));
        }
        return inside(nsFd, work);
    }

    /** Switches the calling platform thread into this namespace for {@code work}, then back. */
    private <T, X extends Exception> T inside(int nsFd, Work<T, X> work) throws X {
        int home = Native.openRaw("/proc/thread-self/ns/net", Native.O_RDONLY | Native.O_CLOEXEC, 0);
        if (home < 0) {
            throw LinuxException.of(-home, "open /proc/thread-self/ns/net");
        }
        try {
            Native.call("setns " + path, Native.SYS_SETNS, nsFd, Native.CLONE_NEWNET, 0);
            try {
                return work.call();
            } finally {
                long back = Native.raw(Native.SYS_SETNS, home, Native.CLONE_NEWNET, 0, 0, 0, 0);
                if (back < 0) {
                    // Only ENOMEM can get here. A thread left in a pod's namespace would do the
                    // next caller's work there (a veth, a route, a rule in the wrong place): stop.
                    System.err.println("cni4j: cannot switch a thread back from netns " + path + " ("
                            + LinuxException.of((int) -back, "setns").getMessage() + "): exiting");
                    Runtime.getRuntime().halt(70);
                }
            }
        } finally {
            Native.close(home);
        }
    }

    /** Runs {@code work} on a fresh platform thread, propagating its result and exceptions. */
    @SuppressWarnings("unchecked")
    static <T, X extends Exception> T onNewThread(String name, Work<T, X> work) throws X {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().name("cni4j-" + name).daemon(true).start(() -> {
            try {
                result[0] = work.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the work must finish: it may hold kernel state half-done
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure[0];
        if (f == null) {
            return (T) result[0];
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error e) {
            throw e;
        }
        throw (X) f;
    }

    @Override
    public void close() {
        int f = fd;
        fd = -1;
        Native.close(f);
    }

    @Override
    public String toString() {
        return "NetNs[" + path + ", fd=" + fd + "]";
    }

    // ---------------------------------------------------------------- named namespaces

    /** The path of named namespace {@code name} under {@link #RUN_NETNS}. */
    public static Path namedPath(String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.equals(".") || name.equals("..") || name.length() > 255) {
            throw new IllegalArgumentException("invalid netns name: \"" + name + "\"");
        }
        return RUN_NETNS.resolve(name);
    }

    /**
     * Creates a named namespace like {@code ip netns add NAME}: a new namespace bind-mounted on
     * {@code /run/netns/NAME} (made a shared mount point as ip does).
     *
     * @return its path
     * @throws LinuxException EEXIST if the name is taken
     */
    public static Path create(String name) {
        Path path = namedPath(name);
        String p = path.toString();
        prepareRunNetns();
        int fd = Native.openRaw(p, Native.O_RDONLY | Native.O_CREAT | Native.O_EXCL | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LinuxException.of(-fd, "create netns " + name);
        }
        Native.close(fd);
        try {
            // unshare on a throwaway thread: the new namespace lives on through the bind mount
            onNewThread("netns-create", () -> {
                Native.call("unshare(CLONE_NEWNET)", Native.SYS_UNSHARE, Native.CLONE_NEWNET, 0, 0);
                mount("/proc/thread-self/ns/net", p, "none", Native.MS_BIND);
                return null;
            });
        } catch (RuntimeException e) {
            unlink(p);
            throw e;
        }
        return path;
    }

    /**
     * Deletes a named namespace like {@code ip netns del NAME}: lazy unmount and unlink. The
     * namespace itself disappears once nothing else holds it.
     *
     * @return false if there was no such name
     */
    public static boolean delete(String name) {
        String p = namedPath(name).toString();
        try (Arena a = Arena.ofConfined()) {
            long r = Native.raw(Native.SYS_UMOUNT2, Native.cString(a, p).address(), Native.MNT_DETACH, 0, 0, 0, 0);
            if (r == -Native.ENOENT) {
                return false;
            }
            if (r < 0 && r != -Native.EINVAL) {
                throw LinuxException.of((int) -r, "umount netns " + p);
            }
        }
        return unlink(p);
    }

    /** Names under {@link #RUN_NETNS}, like {@code ip netns list} (unsorted). */
    public static List<String> list() {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(RUN_NETNS)) {
            return names;
        }
        try (Stream<Path> s = Files.list(RUN_NETNS)) {
            s.forEach(f -> names.add(f.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private static boolean unlink(String p) {
        try (Arena a = Arena.ofConfined()) {
            long r = Native.raw(
                    Native.SYS_UNLINKAT, Native.AT_FDCWD, Native.cString(a, p).address(), 0, 0, 0, 0);
            if (r == -Native.ENOENT) {
                return false;
            }
            if (r < 0) {
                throw LinuxException.of((int) -r, "unlink " + p);
            }
            return true;
        }
    }

    /** mkdir /run/netns and make it a shared mount point (bind-mounting it on itself if needed). */
    private static void prepareRunNetns() {
        String dir = RUN_NETNS.toString();
        try (Arena a = Arena.ofConfined()) {
            long r = Native.raw(
                    Native.SYS_MKDIRAT, Native.AT_FDCWD, Native.cString(a, dir).address(), 0755, 0, 0, 0);
            if (r < 0 && r != -Native.EEXIST) {
                throw LinuxException.of((int) -r, "mkdir " + dir);
            }
        }
        for (int attempt = 0; ; attempt++) {
            long r = mountRaw("", dir, "none", Native.MS_SHARED | Native.MS_REC);
            if (r == 0) {
                return;
            }
            if (r != -Native.EINVAL || attempt > 0) {
                throw LinuxException.of((int) -r, "mount --make-rshared " + dir);
            }
            mount(dir, dir, "none", Native.MS_BIND | Native.MS_REC); // not a mount point yet
        }
    }

    private static void mount(String source, String target, String type, long flags) {
        long r = mountRaw(source, target, type, flags);
        if (r < 0) {
            throw LinuxException.of((int) -r, "mount " + source + " on " + target);
        }
    }

    private static long mountRaw(String source, String target, String type, long flags) {
        try (Arena a = Arena.ofConfined()) {
            return Native.raw(
                    Native.SYS_MOUNT,
                    Native.cString(a, source).address(),
                    Native.cString(a, target).address(),
                    Native.cString(a, type).address(),
                    flags,
                    0,
                    0);
        }
    }
}
