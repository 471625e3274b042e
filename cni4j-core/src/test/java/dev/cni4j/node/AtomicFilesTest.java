package dev.cni4j.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void replacesWithTheModeCreatingTheDirectoryAndLeavesNoTempFile() throws IOException {
        Path target = tmp.resolve("a/b/f");
        AtomicFiles.write(target, "one".getBytes(), AtomicFiles.EXECUTABLE);
        assertEquals("one", Files.readString(target));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        AtomicFiles.write(target, "two".getBytes(), AtomicFiles.PRIVATE);
        assertEquals("two", Files.readString(target));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(List.of(target), files());
    }

    @Test
    void leavesTheOldFileWhenItCannotWrite() throws IOException {
        Path target = Files.writeString(tmp.resolve("f"), "old");
        AtomicFiles.write(target, "new".getBytes(), AtomicFiles.READABLE);
        assertEquals("new", Files.readString(target));
        Path blocked = Files.writeString(tmp.resolve("file-not-dir"), "x");
        UncheckedIOException e = assertThrows(
                UncheckedIOException.class,
                () -> AtomicFiles.write(blocked.resolve("child"), "y".getBytes(), AtomicFiles.READABLE));
        assertTrue(e.getMessage().startsWith("cannot write " + blocked.resolve("child") + ": "), e.getMessage());
        Files.createDirectory(tmp.resolve("dir"));
        assertThrows(
                UncheckedIOException.class,
                () -> AtomicFiles.write(tmp.resolve("dir"), "z".getBytes(), AtomicFiles.READABLE),
                "a directory is not replaced");
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(target, blocked), files());
    }

    @Test
    void writeIfChangedLeavesAnEqualFileAlone() throws IOException {
        Path target = tmp.resolve("conflist");
        assertTrue(AtomicFiles.writeIfChanged(target, "x".getBytes(), AtomicFiles.READABLE));
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(target, old);
        assertFalse(AtomicFiles.writeIfChanged(target, "x".getBytes(), AtomicFiles.READABLE), "same content and mode");
        assertEquals(old, Files.getLastModifiedTime(target));
        assertTrue(AtomicFiles.writeIfChanged(target, "x".getBytes(), AtomicFiles.EXECUTABLE), "another mode");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertTrue(AtomicFiles.writeIfChanged(target, "y".getBytes(), AtomicFiles.EXECUTABLE), "another content");
        assertArrayEquals("y".getBytes(), AtomicFiles.read(target));
    }

    /** A node name may be 253 characters: the temp file's name must still fit in 255 bytes. */
    @Test
    void longNamesStillGetATempFile() throws IOException {
        Path target = tmp.resolve("n".repeat(253));
        AtomicFiles.write(target, "10.244.1.0/24\n".getBytes(), AtomicFiles.PRIVATE);
        assertEquals("10.244.1.0/24\n", Files.readString(target));
    }

    @Test
    void readNamesTheFile() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.read(tmp.resolve("nope")));
        assertTrue(e.getMessage().startsWith("cannot read " + tmp.resolve("nope") + ": "), e.getMessage());
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
