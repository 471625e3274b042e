package dev.cni4j.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Files written so that a reader sees the old content or the new one, never a half-written
 * file: a temp file in the same directory (0600 while it is written), fsync (unless
 * {@link #writeUnsynced}), the mode, then a
 * rename over the target. That matters for plugin binaries (a runtime may exec one mid-install:
 * "text file busy" or a truncated script; a running plugin keeps its old inode), for the
 * conflist, whose appearance runtimes take as "network ready", for the pod CIDR file host-local
 * reads and for libcni's result cache.
 */
public final class AtomicFiles {
    public static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    public static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    /** A temp file's name keeps this much of the target's, so that it stays within 255 bytes. */
    private static final int NAME_IN_TEMP = 100;

    private AtomicFiles() {}

    /**
     * Replaces {@code target} with {@code content} and {@code mode}, creating its directory;
     * {@link UncheckedIOException} "cannot write TARGET: why" when it cannot, the old file intact.
     */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> mode) {
        write(target, content, mode, true);
    }

    /**
     * {@link #write} without the fsync: still never half a file for a reader or a killed writer,
     * but after a power loss or kernel crash the file may hold its old content or none. For state
     * that describes network namespaces (libcni's result cache), which do not survive such a
     * crash either; libcni does not sync its cache, and the sync cost 1-3 ms per write here.
     */
    public static void writeUnsynced(Path target, byte[] content, Set<PosixFilePermission> mode) {
        write(target, content, mode, false);
    }

    private static void write(Path target, byte[] content, Set<PosixFilePermission> mode, boolean sync) {
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            // A dot name: runtimes' conf-dir scans skip it, it never ends in .conflist.
            String name = target.getFileName().toString();
            Path tmp = Files.createTempFile(
                    dir, "." + name.substring(0, Math.min(name.length(), NAME_IN_TEMP)) + ".", ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(content);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    if (sync) {
                        ch.force(true);
                    }
                }
                Files.setPosixFilePermissions(tmp, mode);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link #write} unless {@code target} already holds exactly {@code content} with
     * {@code mode}; returns whether it wrote (a caller that rewrites on every pass then leaves
     * the file, and anyone watching it, alone).
     */
    public static boolean writeIfChanged(Path target, byte[] content, Set<PosixFilePermission> mode) {
        try {
            if (Files.isRegularFile(target)
                    && Arrays.equals(Files.readAllBytes(target), content)
                    && Files.getPosixFilePermissions(target).equals(mode)) {
                return false;
            }
        } catch (IOException e) {
            // unreadable: write it
        }
        write(target, content, mode);
        return true;
    }

    /** The file's bytes; {@link UncheckedIOException} "cannot read FILE: why". */
    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
