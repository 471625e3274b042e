package dev.cni4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Every native call of cni4j, through ONE entry: glibc's
 * {@code long syscall(long nr, long a1, ..., long a6)} with a fixed 7-long signature.
 *
 * <p>Two bindings of that entry. By default one FFM downcall handle: in a fresh JVM the first
 * downcall stub costs ~35 ms and every further distinct signature 5-9 ms; on x86_64 glibc's
 * {@code syscall()} is assembly that only shuffles registers, so calling it non-variadically with
 * seven longs is exact. Pointers are passed as addresses. When the system property
 * {@value #JNI_LIBRARY_PROPERTY} names our JNI library ({@code src/main/c/cni4j-syscall.c}; the
 * standalone plugin launchers set it), the same call goes through JNI instead: binding it is one
 * {@code dlsym}, where linking the FFM handle spins ~30 hidden classes that the AOT cache cannot
 * keep (15-30 ms of a ~60 ms plugin exec, docs/benchmarks.md). A library that does not load falls
 * back to FFM.
 *
 * <p>Nothing happens at class initialisation: the binding is chosen and linked on the first call
 * ({@link Holder}). Errors come back as {@link LinuxException} with the errno name.
 */
final class Native {
    private Native() {}

    // x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    static final long SYS_READ = 0;
    static final long SYS_WRITE = 1;
    static final long SYS_CLOSE = 3;
    static final long SYS_FSTAT = 5;
    static final long SYS_IOCTL = 16;
    static final long SYS_GETPID = 39;
    static final long SYS_SOCKET = 41;
    static final long SYS_SENDTO = 44;
    static final long SYS_RECVFROM = 45;
    static final long SYS_BIND = 49;
    static final long SYS_GETSOCKNAME = 51;
    static final long SYS_SETSOCKOPT = 54;
    static final long SYS_FSTATFS = 138;
    static final long SYS_MOUNT = 165;
    static final long SYS_UMOUNT2 = 166;
    static final long SYS_GETTID = 186;
    static final long SYS_OPENAT = 257;
    static final long SYS_MKDIRAT = 258;
    static final long SYS_NEWFSTATAT = 262;
    static final long SYS_UNLINKAT = 263;
    static final long SYS_UNSHARE = 272;
    static final long SYS_SETNS = 308;

    static final long AT_FDCWD = -100;
    static final int O_RDONLY = 0,
            O_WRONLY = 1,
            O_RDWR = 2,
            O_CREAT = 0100,
            O_EXCL = 0200,
            O_TRUNC = 01000,
            O_CLOEXEC = 02000000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int MS_BIND = 4096, MS_REC = 16384, MS_SHARED = 1 << 20;
    static final int MNT_DETACH = 2;
    static final int EINTR = 4, ENOENT = 2, EEXIST = 17, EINVAL = 22;

    /** System property with the path of libcni4j-syscall.so; unset or empty means FFM. */
    static final String JNI_LIBRARY_PROPERTY = "cni4j.native.lib";

    /** The binding chosen on first use; loading this class is the only start-up cost of the layer. */
    private static final class Holder {
        static final String UNAVAILABLE = unavailableReason();
        static final boolean JNI = UNAVAILABLE == null && loadJni();

        private static boolean loadJni() {
            String lib = System.getProperty(JNI_LIBRARY_PROPERTY, "");
            if (lib.isEmpty()) {
                return false;
            }
            try {
                System.load(new java.io.File(lib).getAbsolutePath()); // launchers may give it relative to $0
                return true;
            } catch (UnsatisfiedLinkError | SecurityException e) {
                return false; // a missing or foreign library: the FFM binding still works
            }
        }
    }

    /** The FFM binding: the downcall handle with errno captured, linked on its first call. */
    private static final class Ffm {
        static final MethodHandle SYSCALL = link();
        static final long ERRNO_OFFSET = errnoOffset();
        static final ThreadLocal<MemorySegment> CALL_STATE =
                ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Linker.Option.captureStateLayout()));

        /** Linux captures only errno, first; resolving a layout path costs ms in a fresh JVM. */
        private static long errnoOffset() {
            StructLayout state = Linker.Option.captureStateLayout();
            if (state.memberLayouts().get(0).name().orElse("").equals("errno")) {
                return 0;
            }
            return state.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
        }

        private static MethodHandle link() {
            Linker linker = Linker.nativeLinker();
            MemorySegment symbol = linker.defaultLookup()
                    .find("syscall")
                    .orElseThrow(() -> new UnsupportedOperationException("libc has no syscall()"));
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
            return linker.downcallHandle(
                    symbol, FunctionDescriptor.of(l, l, l, l, l, l, l, l), Linker.Option.captureCallState("errno"));
        }

        static long raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
            MemorySegment state = CALL_STATE.get();
            long r;
            try {
                r = (long) SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, a6);
            } catch (Throwable t) {
                throw new IllegalStateException("syscall " + nr + " downcall failed", t);
            }
            if (r == -1) {
                return -state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
            }
            return r;
        }
    }

    /** The JNI binding (cni4j-syscall.c): the kernel's result, or -errno. */
    private static native long syscallJni(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

    /** Why this layer cannot run here, or null when it can (x86_64 Linux only for now). */
    static String unavailableReason() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux")) {
            return "not Linux: " + os;
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return "syscall numbers only known for x86_64, not " + arch;
        }
        return null;
    }

    /** Raw call: returns the kernel's result, or -errno (never throws for kernel errors). */
    static long raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        if (Holder.UNAVAILABLE != null) {
            throw new UnsupportedOperationException(Holder.UNAVAILABLE);
        }
        if (Holder.JNI) {
            return syscallJni(nr, a1, a2, a3, a4, a5, a6);
        }
        return Ffm.raw(nr, a1, a2, a3, a4, a5, a6);
    }

    /** Calls and throws {@link LinuxException} on failure; retries on EINTR. */
    static long call(String op, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        while (true) {
            long r = raw(nr, a1, a2, a3, a4, a5, a6);
            if (r >= 0) {
                return r;
            }
            if (r != -EINTR) {
                throw LinuxException.of((int) -r, op);
            }
        }
    }

    static long call(String op, long nr, long a1, long a2, long a3) {
        return call(op, nr, a1, a2, a3, 0, 0, 0);
    }

    // ---- small typed wrappers used across the package ----

    static void close(int fd) {
        if (fd >= 0) {
            raw(SYS_CLOSE, fd, 0, 0, 0, 0, 0); // close errors are not actionable
        }
    }

    /** openat(AT_FDCWD, path, flags, mode); returns -errno instead of throwing, callers map ENOENT. */
    static int openRaw(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return (int) raw(SYS_OPENAT, AT_FDCWD, cString(a, path).address(), flags, mode, 0, 0);
        }
    }

    static MemorySegment cString(Arena arena, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment m = arena.allocate(b.length + 1L);
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        m.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
        return m;
    }

    static int getpid() {
        return (int) raw(SYS_GETPID, 0, 0, 0, 0, 0, 0);
    }

    static int gettid() {
        return (int) raw(SYS_GETTID, 0, 0, 0, 0, 0, 0);
    }
}
