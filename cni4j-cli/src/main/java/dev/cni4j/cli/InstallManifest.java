package dev.cni4j.cli;

import dev.cni4j.node.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code cni4j install} wrote, so {@code uninstall} removes exactly that: one line per
 * file, {@code <sha256>  <absolute path>} (the {@code sha256sum} format, so an operator can check
 * it). A file whose content changed since install is someone else's now and is left alone.
 */
final class InstallManifest {
    static final String FILE_NAME = "install-manifest";

    private final Map<Path, String> files = new LinkedHashMap<>();

    static Path location(Path libDir) {
        return libDir.resolve(FILE_NAME);
    }

    static InstallManifest read(Path manifest) {
        InstallManifest m = new InstallManifest();
        if (!Files.exists(manifest)) {
            return m;
        }
        for (String line : new String(AtomicFiles.read(manifest), StandardCharsets.UTF_8).split("\n")) {
            int sep = line.indexOf("  ");
            if (sep == 64) {
                m.files.put(Path.of(line.substring(sep + 2)), line.substring(0, sep));
            }
        }
        return m;
    }

    void add(Path file, byte[] content) {
        files.put(file, sha256(content));
    }

    Map<Path, String> files() {
        return files;
    }

    boolean contains(Path file) {
        return files.containsKey(file);
    }

    /** Whether {@code file} still holds what install wrote. */
    boolean unchanged(Path file) {
        return Files.isRegularFile(file) && sha256(AtomicFiles.read(file)).equals(files.get(file));
    }

    byte[] encode() {
        StringBuilder sb = new StringBuilder();
        files.forEach((path, hash) -> sb.append(hash).append("  ").append(path).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
