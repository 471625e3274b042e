package dev.cni4j.agent.serve;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fast path's socket directory, on temp dirs (serving itself: FastPathPrivilegedTest). */
class FastPathTest {
    @Test
    void theFastPathSocketDirectoryIsMadePrivateOnlyWhenItIsOurs(@TempDir Path dir) throws Exception {
        Path ours = Files.createDirectories(dir.resolve("cni4j"));
        Files.setPosixFilePermissions(ours, PosixFilePermissions.fromString("rwxr-xr-x")); // as a hostPath volume comes
        FastPath.prepareSocketDirectory(ours.resolve("cni.sock"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ours)));
        Path shared = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        FastPath.prepareSocketDirectory(shared.resolve("cni.sock"));
        assertEquals(
                "rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)), "never chmod-ed");
    }
}
