package dev.cni4j.linux.firewall;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * libnftables through our JNI library ({@code cni4j-syscall.c}), for the standalone plugins: the
 * same library {@link LibNftables} links through FFM in the daemon, without FFM's linking cost in
 * a fresh JVM, and without exec'ing {@code nft} (a second process, and ProcessBuilder's start-up
 * in this one: ~10 ms of a bridge or portmap exec). Used when the standalone launchers name the
 * library ({@code -Dcni4j.native.lib}, as for {@code dev.cni4j.linux.Native}) and it finds
 * libnftables.so.1; otherwise {@link Nft} execs {@code nft} as before. A context per call, created
 * in the calling thread's namespace.
 */
final class LibNftablesJni {
    private LibNftablesJni() {}

    private static volatile boolean usable = load();

    private static boolean load() {
        String lib = System.getProperty("cni4j.native.lib", "");
        if (lib.isEmpty()) {
            return false;
        }
        try {
            System.load(new File(lib).getAbsolutePath()); // already loaded by Native: a no-op
            return true;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return false;
        }
    }

    /** Whether to try it (a library without libnftables says so at the first call). */
    static boolean available() {
        return usable;
    }

    /**
     * Runs {@code script}, or the script file {@code file} when not null, with the extra output
     * flags ({@link LibNftables#OUTPUT_HANDLE}, ...); null when libnftables cannot be used here
     * (from then on {@link #available()} is false).
     */
    static Nft.Result run(String script, int flags, Path file) {
        byte[][] outErr = new byte[2][];
        int rc;
        try {
            rc = file == null
                    ? run0(cString(script), null, flags, outErr)
                    : run0(null, cString(file.toString()), flags, outErr);
        } catch (UnsatisfiedLinkError e) { // a library of an older build, without the entry
            usable = false;
            return null;
        }
        if (rc == -2) {
            usable = false;
            return null;
        }
        return new Nft.Result(
                rc == 0 ? 0 : 1,
                new String(outErr[0], StandardCharsets.UTF_8),
                new String(outErr[1], StandardCharsets.UTF_8));
    }

    private static byte[] cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    private static native int run0(byte[] script, byte[] file, int flags, byte[][] outErr);
}
