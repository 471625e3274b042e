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
 * files 0600. Writes go to a temp file that is renamed into place, so a reader (or a killed
 * runtime) never sees half a file; they are not synced, as libcni's are not: an entry describes
 * a network namespace, which a power loss or kernel crash ends too, and a lost or stale entry
 * only means DEL and GC work from the runtime's config. No in-memory state: safe for concurrent use.
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
            Files.createDirectories(
                    resultsDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            AtomicFiles.writeUnsynced(target, entry.encode(), AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new CniException(
                    ErrorCode.IO_FAILURE.code(), "failed to write cached result " + target + ": " + e, null, e);
        } catch (UncheckedIOException e) {
            throw new CniException(
                    ErrorCode.IO_FAILURE.code(),
                    "failed to write cached result " + target + ": " + e.getCause(),
                    null,
                    e.getCause());
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
            throw new CniException(
                    ErrorCode.IO_FAILURE.code(), "failed to read cached result " + f + ": " + e, null, e);
        }
        return Optional.of(CachedAttachment.decode(bytes, networkName, containerId, ifName));
    }

    /** Removes the entry; a missing one is fine. */
    public void remove(String networkName, String containerId, String ifName) {
        Path f = file(networkName, containerId, ifName);
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new CniException(
                    ErrorCode.IO_FAILURE.code(), "failed to remove cached result " + f + ": " + e, null, e);
        }
    }

    /**
     * Whether there is an entry for the attachment; with {@code ifName} null, for any interface of
     * the container. Names no cache file can have are never there.
     */
    public boolean contains(String networkName, String containerId, String ifName) {
        if (!validPart(networkName) || !validPart(containerId) || ifName != null && !validPart(ifName)) {
            return false;
        }
        if (ifName != null) {
            return Files.exists(file(networkName, containerId, ifName));
        }
        String prefix = networkName + "-" + containerId + "-";
        return files().stream().anyMatch(p -> p.getFileName().toString().startsWith(prefix));
    }

    /**
     * The cniCacheV1 entries of {@code networkName}, in file name order, as libcni's
     * GetCachedAttachments lists them: unreadable, legacy and incomplete files are skipped.
     */
    public List<CachedAttachment> attachments(String networkName) {
        List<CachedAttachment> out = new ArrayList<>();
        for (CachedAttachment a : entries()) {
            if (!a.legacy()
                    && networkName.equals(a.networkName())
                    && !a.ifName().isEmpty()
                    && !a.containerId().isEmpty()) {
                out.add(a);
            }
        }
        return out;
    }

    /** Every entry that can be read, of any network and format, in file name order. */
    public List<CachedAttachment> entries() {
        List<CachedAttachment> out = new ArrayList<>();
        for (Path f : files()) {
            try {
                out.add(CachedAttachment.decode(Files.readAllBytes(f), null, null, null));
            } catch (IOException | RuntimeException e) {
                // Not ours to judge: another runtime's file or one being replaced.
            }
        }
        return out;
    }

    /** The entries' files (not the temp files being written), in name order. */
    private List<Path> files() {
        if (!Files.isDirectory(resultsDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(resultsDir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + resultsDir, e);
        }
    }

    private static boolean validPart(String value) {
        return value != null && !value.isEmpty() && value.indexOf('/') < 0 && !value.equals("..");
    }

    private static void requirePart(String value, String what) {
        if (!validPart(value)) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT,
                    "cache file path requires a valid " + what + ", got \"" + value + "\"");
        }
    }
}
