package dev.cni4j.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The runtime's one native class: runs a plugin process with glibc's {@code posix_spawn} (a
 * {@code clone(CLONE_VM|CLONE_VFORK)} and one exec, what Go's os/exec does for libcni) and feeds
 * and drains its pipes with {@code poll}. The JDK's {@link ProcessBuilder} starts every child
 * through its {@code jspawnhelper}, a second exec: ~2 ms per plugin call here against ~1 ms this
 * way (docs/benchmarks.md), paid four times per pod. {@link ProcessPluginExec} falls back to
 * {@link ProcessBuilder} when this class is not {@link #available()}.
 *
 * <p>Blocks its calling thread in {@code poll}; a virtual thread pins its carrier meanwhile.
 */
final class PosixSpawn {
    private PosixSpawn() {}

    /** What a finished child left: its exit status (128 + signal when killed) and its output. */
    record Outcome(int exit, byte[] stdout, byte[] stderr) {}

    /** {@code -Dcni4j.runtime.spawn=jdk} runs every plugin through {@link ProcessBuilder}. */
    static final String PROPERTY = "cni4j.runtime.spawn";

    // x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    private static final long SYS_READ = 0, SYS_WRITE = 1, SYS_CLOSE = 3, SYS_POLL = 7, SYS_KILL = 62;
    private static final long SYS_FCNTL = 72, SYS_WAITID = 247, SYS_PIPE2 = 293, SYS_PIDFD_OPEN = 434;
    private static final int O_NONBLOCK = 04000, O_CLOEXEC = 02000000, F_GETFL = 3, F_SETFL = 4;
    private static final short POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 16;
    private static final int EINTR = 4, EAGAIN = 11, SIGKILL = 9, P_PIDFD = 3, WEXITED = 4, CLD_EXITED = 1;
    /** A child that exited while something it left behind keeps its pipes open: read this long more. */
    static final long DRAIN_AFTER_EXIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Why posix_spawn is not used here, or null when it is; decided once. */
    static String unavailableReason() {
        return Holder.UNAVAILABLE;
    }

    static boolean available() {
        return Holder.UNAVAILABLE == null;
    }

    private static final class Holder {
        static final String UNAVAILABLE = check();

        private static String check() {
            if (System.getProperty(PROPERTY, "").equals("jdk")) {
                return PROPERTY + "=jdk";
            }
            String arch = System.getProperty("os.arch", "");
            if (!System.getProperty("os.name", "").startsWith("Linux") || !arch.equals("amd64")) {
                return "system call numbers known for x86_64 Linux only";
            }
            // Without native access the first downcall would print the JDK's warning on our caller's stderr.
            if (!PosixSpawn.class.getModule().isNativeAccessEnabled()) {
                return "native access not enabled (--enable-native-access)";
            }
            try {
                return Libc.SPAWN != null ? null : "no posix_spawn";
            } catch (LinkageError | RuntimeException e) {
                return "cannot link posix_spawn: " + e;
            }
        }
    }

    /** The downcall handles, linked when first needed. */
    private static final class Libc {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LOOKUP = LINKER.defaultLookup();
        static final AddressLayout PTR = ValueLayout.ADDRESS;
        static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
        static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

        static final MethodHandle SPAWN = link("posix_spawn", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR, PTR));
        static final MethodHandle ACTIONS_INIT = link("posix_spawn_file_actions_init", FunctionDescriptor.of(INT, PTR));
        static final MethodHandle ACTIONS_DESTROY =
                link("posix_spawn_file_actions_destroy", FunctionDescriptor.of(INT, PTR));
        static final MethodHandle ACTIONS_DUP2 =
                link("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(INT, PTR, INT, INT));
        // glibc 2.34+: every descriptor the JVM holds stays out of the plugin, as the JDK's own launcher does.
        static final MethodHandle ACTIONS_CLOSEFROM =
                link("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(INT, PTR, INT));
        // Every system call through one shape (as cni4j-linux's Native does): one stub, errno captured.
        static final MethodHandle SYSCALL = LINKER.downcallHandle(
                LOOKUP.find("syscall").orElseThrow(() -> new UnsupportedOperationException("no syscall()")),
                FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG),
                Linker.Option.captureCallState("errno"));
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
        /** posix_spawn_file_actions_t is 80 bytes on x86_64 glibc; room to spare. */
        static final long ACTIONS_SIZE = 256;

        private static MethodHandle link(String name, FunctionDescriptor fd) {
            MemorySegment symbol = LOOKUP.find(name).orElseThrow(() -> new UnsupportedOperationException("no " + name));
            return LINKER.downcallHandle(symbol, fd);
        }
    }

    /** A system call's result, or -errno. */
    private static long sys(MemorySegment state, long nr, long a1, long a2, long a3, long a4) {
        long r;
        try {
            r = (long) Libc.SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, 0L); // waitid's rusage: NULL
        } catch (Throwable t) {
            throw new IllegalStateException("system call " + nr + " failed to run", t);
        }
        return r == -1 ? -state.get(ValueLayout.JAVA_INT, Libc.ERRNO_OFFSET) : r;
    }

    private static int call(MethodHandle h, MemorySegment a) {
        try {
            return (int) h.invokeExact(a);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Runs {@code path} (argv[0] = path) with {@code env} ("NAME=value"), writes {@code stdin}
     * to it and reads its stdout and stderr until it exited and both are closed. At
     * {@code deadlineNanos} ({@link System#nanoTime()}) the child and its descendants are
     * killed and {@link TimeoutException} thrown. {@link IOException} "error=N, why" when it
     * cannot start (the form {@link ProcessBuilder} uses, e.g. error=26 for a busy executable).
     */
    static Outcome run(String path, List<String> env, byte[] stdin, long deadlineNanos)
            throws IOException, TimeoutException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 6);
            int[] pipes = new int[6]; // {stdin read, stdin write, stdout read, stdout write, stderr read, stderr write}
            java.util.Arrays.fill(pipes, -1);
            try {
                for (int i = 0; i < 3; i++) {
                    long r = sys(state, SYS_PIPE2, fds.address() + 8L * i, O_CLOEXEC, 0, 0);
                    if (r < 0) {
                        throw new IOException("error=" + -r + ", cannot create a pipe");
                    }
                    pipes[2 * i] = fds.getAtIndex(ValueLayout.JAVA_INT, 2L * i);
                    pipes[2 * i + 1] = fds.getAtIndex(ValueLayout.JAVA_INT, 2L * i + 1);
                }
                int pid = spawn(arena, path, env, pipes[0], pipes[3], pipes[5]);
                // The child's ends are the child's now.
                for (int i : new int[] {0, 3, 5}) {
                    sys(state, SYS_CLOSE, pipes[i], 0, 0, 0);
                    pipes[i] = -1;
                }
                return communicate(arena, state, pid, pipes, stdin, deadlineNanos);
            } finally {
                for (int fd : pipes) {
                    if (fd >= 0) {
                        sys(state, SYS_CLOSE, fd, 0, 0, 0);
                    }
                }
            }
        }
    }

    private static int spawn(Arena arena, String path, List<String> env, int in, int out, int err) throws IOException {
        MemorySegment actions = arena.allocate(Libc.ACTIONS_SIZE, 16);
        int rc = call(Libc.ACTIONS_INIT, actions);
        if (rc != 0) {
            throw new IOException("error=" + rc + ", " + describe(rc));
        }
        try {
            rc = dup2(actions, in, 0);
            rc = rc != 0 ? rc : dup2(actions, out, 1);
            rc = rc != 0 ? rc : dup2(actions, err, 2);
            rc = rc != 0 ? rc : closeFrom(actions, 3);
            if (rc != 0) {
                throw new IOException("error=" + rc + ", " + describe(rc));
            }
            MemorySegment cPath = cString(arena, path);
            MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, 2);
            argv.setAtIndex(ValueLayout.ADDRESS, 0, cPath);
            argv.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.NULL);
            MemorySegment envp = arena.allocate(ValueLayout.ADDRESS, env.size() + 1L);
            for (int i = 0; i < env.size(); i++) {
                envp.setAtIndex(ValueLayout.ADDRESS, i, cString(arena, env.get(i)));
            }
            envp.setAtIndex(ValueLayout.ADDRESS, env.size(), MemorySegment.NULL);
            MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
            try {
                rc = (int) Libc.SPAWN.invokeExact(pid, cPath, actions, MemorySegment.NULL, argv, envp);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (rc != 0) { // glibc reports the child's failed exec here (ENOENT, EACCES, ETXTBSY, ...)
                throw new IOException("error=" + rc + ", " + describe(rc));
            }
            return pid.get(ValueLayout.JAVA_INT, 0);
        } finally {
            call(Libc.ACTIONS_DESTROY, actions);
        }
    }

    private static int dup2(MemorySegment actions, int fd, int target) {
        try {
            return (int) Libc.ACTIONS_DUP2.invokeExact(actions, fd, target);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int closeFrom(MemorySegment actions, int from) {
        try {
            return (int) Libc.ACTIONS_CLOSEFROM.invokeExact(actions, from);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Feeds stdin, drains stdout and stderr, waits for the exit: one poll loop, no helper threads. */
    private static Outcome communicate(
            Arena arena, MemorySegment state, int pid, int[] pipes, byte[] stdin, long deadlineNanos)
            throws IOException, TimeoutException {
        int pidfd = (int) sys(state, SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (pidfd < 0) { // cannot watch it (pre-5.3 kernel): kill it rather than leak it
            sys(state, SYS_KILL, pid, SIGKILL, 0, 0);
            throw new IOException("error=" + -pidfd + ", pidfd_open of the plugin process failed");
        }
        try {
            for (int i : new int[] {1, 2, 4}) {
                long flags = sys(state, SYS_FCNTL, pipes[i], F_GETFL, 0, 0);
                sys(state, SYS_FCNTL, pipes[i], F_SETFL, flags | O_NONBLOCK, 0);
            }
            MemorySegment input = arena.allocate(Math.max(1, stdin.length));
            MemorySegment.copy(stdin, 0, input, ValueLayout.JAVA_BYTE, 0, stdin.length);
            MemorySegment buf = arena.allocate(65536);
            MemorySegment pollfds = arena.allocate(8L * 4, 4); // struct pollfd {int fd; short events, revents}
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long written = 0;
            if (stdin.length == 0) {
                closeEnd(state, pipes, 1);
            }
            boolean exited = false;
            long drainUntil = Long.MAX_VALUE;
            while (pipes[2] >= 0 || pipes[4] >= 0 || !exited) {
                long now = System.nanoTime();
                if (now - deadlineNanos >= 0) {
                    kill(state, pid, pidfd);
                    throw new TimeoutException("plugin process " + pid + " did not finish in time");
                }
                if (exited && now - drainUntil >= 0) {
                    break; // a descendant holds the pipes: what it writes later is not the plugin's answer
                }
                int n = 0;
                int[] polled = new int[4];
                for (int i : new int[] {1, 2, 4}) {
                    if (pipes[i] >= 0) {
                        pollFd(pollfds, n, pipes[i], i == 1 ? POLLOUT : POLLIN);
                        polled[n++] = i;
                    }
                }
                if (!exited) {
                    pollFd(pollfds, n, pidfd, POLLIN);
                    polled[n++] = -1;
                }
                long until = exited ? Math.min(deadlineNanos - now, drainUntil - now) : deadlineNanos - now;
                long timeoutMs = Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(until) + 1);
                long ready = sys(state, SYS_POLL, pollfds.address(), n, timeoutMs, 0);
                if (ready == -EINTR || ready == 0) {
                    continue;
                }
                if (ready < 0) {
                    kill(state, pid, pidfd);
                    throw new IOException("error=" + -ready + ", poll on the plugin's pipes failed");
                }
                for (int k = 0; k < n; k++) {
                    short revents = pollfds.get(ValueLayout.JAVA_SHORT, 8L * k + 6);
                    if (revents == 0) {
                        continue;
                    }
                    int which = polled[k];
                    if (which == -1) {
                        exited = true;
                        drainUntil = System.nanoTime() + DRAIN_AFTER_EXIT_NANOS;
                    } else if (which == 1) {
                        long w = (revents & POLLOUT) != 0
                                ? sys(state, SYS_WRITE, pipes[1], input.address() + written, stdin.length - written, 0)
                                : -1;
                        if (w > 0) {
                            written += w;
                        }
                        // Done, or the plugin closed stdin without reading it all: its exit status says the rest.
                        if (written >= stdin.length || (w < 0 && w != -EAGAIN && w != -EINTR)) {
                            closeEnd(state, pipes, 1);
                        }
                    } else {
                        long r = sys(state, SYS_READ, pipes[which], buf.address(), buf.byteSize(), 0);
                        if (r > 0) {
                            (which == 2 ? out : err)
                                    .write(buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE), 0, (int) r);
                        } else if (r != -EAGAIN && r != -EINTR) {
                            closeEnd(state, pipes, which); // EOF, or an error that will not go away
                        }
                    }
                }
            }
            return new Outcome(reap(state, arena, pidfd), out.toByteArray(), err.toByteArray());
        } finally {
            sys(state, SYS_CLOSE, pidfd, 0, 0, 0);
        }
    }

    /** Entry {@code k} of a struct pollfd array: {int fd; short events; short revents}. */
    private static void pollFd(MemorySegment pollfds, int k, int fd, short events) {
        pollfds.set(ValueLayout.JAVA_INT, 8L * k, fd);
        pollfds.set(ValueLayout.JAVA_SHORT, 8L * k + 4, events);
        pollfds.set(ValueLayout.JAVA_SHORT, 8L * k + 6, (short) 0);
    }

    private static void closeEnd(MemorySegment state, int[] pipes, int i) {
        sys(state, SYS_CLOSE, pipes[i], 0, 0, 0);
        pipes[i] = -1;
    }

    /** The exit status of the exited child behind {@code pidfd}, which it reaps. */
    private static int reap(MemorySegment state, Arena arena, int pidfd) throws IOException {
        MemorySegment info = arena.allocate(128, 8); // siginfo_t
        long r;
        do {
            r = sys(state, SYS_WAITID, P_PIDFD, pidfd, info.address(), WEXITED);
        } while (r == -EINTR);
        if (r < 0) {
            throw new IOException("error=" + -r + ", waitid on the plugin process failed");
        }
        int code = info.get(ValueLayout.JAVA_INT, 8); // si_code
        int status = info.get(ValueLayout.JAVA_INT, 24); // si_status: exit code or signal
        return code == CLD_EXITED ? status : 128 + status;
    }

    /** Kills the child and what it started (as ProcessPluginExec's timeout always did), and reaps it. */
    private static void kill(MemorySegment state, int pid, int pidfd) {
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
        sys(state, SYS_KILL, pid, SIGKILL, 0, 0);
        try (Arena arena = Arena.ofConfined()) {
            reap(state, arena, pidfd);
        } catch (IOException e) {
            // killed either way
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment m = arena.allocate(b.length + 1L);
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        return m;
    }

    private static final Map<Integer, String> ERRNO_TEXT = Map.of(
            1, "Operation not permitted",
            2, "No such file or directory",
            7, "Argument list too long",
            8, "Exec format error",
            12, "Cannot allocate memory",
            13, "Permission denied",
            20, "Not a directory",
            24, "Too many open files",
            26, "Text file busy",
            40, "Too many levels of symbolic links");

    private static String describe(int errno) {
        return ERRNO_TEXT.getOrDefault(errno, "errno " + errno);
    }
}
