package dev.cni4j.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that readers (host-local, the container runtime watching the conf dir) only
 * ever see the old or the complete new content: a temp file in the same directory, fsync,
 * rename over the target.
 */
final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes {@code content}; returns false without touching the file when it already holds exactly that. */
    static boolean write(Path target, String content) {
        return write(target, content.getBytes(StandardCharsets.UTF_8), "rw-r--r--");
    }

    static boolean write(Path target, byte[] content, String permissions) {
        try {
            if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), content)
                    && PosixFilePermissions.toString(Files.getPosixFilePermissions(target)).equals(permissions)) {
                return false;
            }
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // a dot-name: the runtime's conf-dir scan ignores files not ending in .conf/.conflist/.json
            Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            try {
                Files.write(tmp, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE, StandardOpenOption.SYNC);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(permissions));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
