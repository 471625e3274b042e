package dev.cni4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Kernel parameters under /proc/sys, e.g. {@code Sysctl.set("net/ipv4/ip_forward", "1")}.
 *
 * <p>/proc/sys/net shows the network namespace of the thread that OPENS the file, so the plain
 * methods act on the calling thread's namespace and the {@link NetNs} overloads open the file
 * on a thread inside that namespace. Keys may use slashes or dots ("net.ipv4.ip_forward");
 * with dots, interface names containing dots cannot be expressed, so prefer slashes.
 */
public final class Sysctl {
    private static final int MAX_VALUE = 4096;

    private Sysctl() {}

    /** The value without its trailing newline. */
    public static String get(String key) {
        long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
        try {
            return read(key);
        } finally {
            if (t0 != 0) {
                KernelCalls.record("sysctl read", System.nanoTime() - t0);
            }
        }
    }

    private static String read(String key) {
        String path = path(key);
        int fd = Native.openRaw(path, Native.O_RDONLY | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LinuxException.of(-fd, "sysctl read " + path);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_VALUE);
            long n = Native.call("sysctl read " + path, Native.SYS_READ, fd, buf.address(), MAX_VALUE);
            byte[] b = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            int len = b.length;
            while (len > 0 && (b[len - 1] == '\n')) {
                len--;
            }
            return new String(b, 0, len, StandardCharsets.UTF_8);
        } finally {
            Native.close(fd);
        }
    }

    /** Writes {@code value} in one write(2), as sysctl(8) does. */
    public static void set(String key, String value) {
        long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
        try {
            write(key, value);
        } finally {
            if (t0 != 0) {
                KernelCalls.record("sysctl write", System.nanoTime() - t0);
            }
        }
    }

    private static void write(String key, String value) {
        String path = path(key);
        int fd = Native.openRaw(path, Native.O_WRONLY | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw LinuxException.of(-fd, "sysctl write " + path);
        }
        try (Arena a = Arena.ofConfined()) {
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = a.allocate(Math.max(1, b.length));
            MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, 0, b.length);
            Native.call("sysctl write " + path + " = " + value, Native.SYS_WRITE, fd, buf.address(), b.length);
        } finally {
            Native.close(fd);
        }
    }

    /** Reads a key inside {@code ns}. */
    public static String get(NetNs ns, String key) {
        return ns.run(() -> get(key));
    }

    /** Writes a key inside {@code ns}. */
    public static void set(NetNs ns, String key, String value) {
        ns.run(() -> {
            set(key, value);
            return null;
        });
    }

    /** "/proc/sys/net/ipv4/ip_forward" for "net/ipv4/ip_forward" or "net.ipv4.ip_forward". */
    static String path(String key) {
        String k = key.startsWith("/proc/sys/") ? key.substring(10) : key;
        if (k.indexOf('/') < 0) {
            k = k.replace('.', '/');
        }
        if (k.isEmpty() || k.startsWith("/") || k.contains("..")) {
            throw new IllegalArgumentException("invalid sysctl key: " + key);
        }
        return "/proc/sys/" + k;
    }
}
