package dev.cni4j.runtime;

import dev.cni4j.node.AtomicFiles;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The ADD result cache, in libcni's layout so containerd, CRI-O and cni4j can clean up after
 * each other: {@code <cacheDir>/results/<networkName>-<containerID>-<ifName>}, directory 0700,
 * files 0600. Writes go to a temp file that is renamed into place, so a reader (or a crash)
 * never sees half a file. No in-memory state: safe for concurrent use.
 */
public final class ResultCache {
    private final Path resultsDir;

    public ResultCache(Path cacheDir) {
        this.resultsDir = cacheDir.resolve("results");
    }

    /** At libcni's default, {@value NodeLayout#CACHE_DIR}. */
    public ResultCache() {
        this(Path.of(NodeLayout.CACHE_DIR));
    }

    /** The cache file of an attachment. */
    public Path file(String networkName, String containerId, String ifName) {
        requirePart(networkName, "network name");
        requirePart(containerId, "container ID");
        requirePart(ifName, "interface name");
        return resultsDir.resolve(networkName + "-" + containerId + "-" + ifName);
    }

    /** Writes (or replaces) the entry atomically. */
    public void save(CachedAttachment entry) {
        Path target = file(entry.networkName(), entry.containerId(), entry.ifName());
        try {
            Files.createDirectories(resultsDir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            AtomicFiles.write(target, entry.encode(), AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new CniException(ErrorCode.IO_FAILURE.code(), "failed to write cached result " + target + ": " + e, null, e);
        } catch (UncheckedIOException e) {
            throw new CniException(ErrorCode.IO_FAILURE.code(), "failed to write cached result " + target + ": "
                    + e.getCause(), null, e.getCause());
        }
    }

    /**
     * The entry of an attachment; empty when there is none. An unreadable or unparseable file
     * is a {@link CniException} (DEL then removes it, as libcni does).
     */
    public Optional<CachedAttachment> load(String networkName, String containerId, String ifName) {
        Path f = file(networkName, containerId, ifName);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CniException(ErrorCode.IO_FAILURE.code(), "failed to read cached result " + f + ": " + e, null, e);
        }
        return Optional.of(CachedAttachment.decode(bytes, networkName, containerId, ifName));
    }

    /** Removes the entry; a missing one is fine. */
    public void remove(String networkName, String containerId, String ifName) {
        Path f = file(networkName, containerId, ifName);
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new CniException(ErrorCode.IO_FAILURE.code(), "failed to remove cached result " + f + ": " + e, null, e);
        }
    }

    /**
     * The cniCacheV1 entries of {@code networkName}, in file name order, as libcni's
     * GetCachedAttachments lists them: unreadable, legacy and incomplete files are skipped.
     */
    public List<CachedAttachment> attachments(String networkName) {
        List<CachedAttachment> out = new ArrayList<>();
        if (!Files.isDirectory(resultsDir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(resultsDir)) {
            files = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + resultsDir, e);
        }
        for (Path f : files) {
            try {
                CachedAttachment a = CachedAttachment.decode(Files.readAllBytes(f), null, null, null);
                if (!a.legacy() && networkName.equals(a.networkName()) && !a.ifName().isEmpty()
                        && !a.containerId().isEmpty()) {
                    out.add(a);
                }
            } catch (IOException | RuntimeException e) {
                // Not ours to judge: another runtime's file or one being replaced.
            }
        }
        return out;
    }

    private static void requirePart(String value, String what) {
        if (value == null || value.isEmpty() || value.indexOf('/') >= 0 || value.equals("..")) {
            throw new CniException(ErrorCode.INVALID_ENVIRONMENT,
                    "cache file path requires a valid " + what + ", got \"" + value + "\"");
        }
    }
}
