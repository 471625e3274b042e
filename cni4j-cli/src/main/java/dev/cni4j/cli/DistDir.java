package dev.cni4j.cli;

import dev.cni4j.node.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A dist dir as cni4j-dist/make-dist.sh lays it out: plugin launchers (and the {@code cni4j}
 * launcher) in {@code bin/}, the plugin jar, AOT cache and Java runtime ({@code jre/}) in
 * {@code lib/}, the CLI's jars in {@code lib/cli/}. {@code install} copies the plugin part of it.
 */
record DistDir(Path dir) {

    /** {@code option} (--dist), else the system property cni4j.dist, else the dist holding this jar. */
    static DistDir locate(String option) {
        String dir = option != null ? option : System.getProperty("cni4j.dist");
        Path d = dir != null ? Path.of(dir).toAbsolutePath().normalize() : running();
        if (!Files.isDirectory(d.resolve("bin")) || !Files.isDirectory(d.resolve("lib"))) {
            throw CliException.failed(d + " is not a cni4j dist dir (no bin/ and lib/)");
        }
        return new DistDir(d);
    }

    /** The CLI runs with class path dist/lib/cli/*, so its jar tells where the dist is. */
    private static Path running() {
        try {
            Path jar = Path.of(DistDir.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path lib = jar.getParent().getParent();
            if (lib != null && lib.getFileName().toString().equals("lib")) {
                return lib.getParent();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through
        }
        throw CliException.usage("cannot tell which dist dir this cni4j runs from; use --dist DIR");
    }

    /** A file to install: its bytes and the mode to give it. */
    record LibFile(byte[] bytes, Set<PosixFilePermission> mode) {}

    /**
     * The files of the lib/ tree, keyed by their place in {@code libDir}: the jars, the AOT cache
     * and the Java runtime (lib/jre, whose executables stay executable). Not lib/cli (the CLI is
     * not a plugin) nor lib/standalone (launchers, see {@link #pluginLaunchers}).
     */
    Map<Path, LibFile> libFiles(Path libDir) {
        Path lib = dir.resolve("lib");
        Map<Path, LibFile> files = new LinkedHashMap<>();
        try (Stream<Path> tree = Files.walk(lib)) {
            for (Path f : tree.filter(Files::isRegularFile).sorted().toList()) {
                Path rel = lib.relativize(f);
                String top = rel.getName(0).toString();
                if (rel.getNameCount() > 1 && (top.equals("cli") || top.equals("standalone"))) {
                    continue;
                }
                // Files.isRegularFile follows links: jlink links the runtime's legal notices, copied as files.
                boolean executable = Files.getPosixFilePermissions(f).contains(PosixFilePermission.OWNER_EXECUTE);
                files.put(
                        libDir.resolve(rel.toString()),
                        new LibFile(AtomicFiles.read(f), executable ? AtomicFiles.EXECUTABLE : AtomicFiles.READABLE));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + lib + ": " + e.getMessage(), e);
        }
        return files;
    }

    /** Every launcher of bin/ but the CLI's, rewritten to find its jars in {@code libDir}. */
    Map<Path, byte[]> pluginLaunchers(Path binDir, Path libDir) {
        Map<Path, byte[]> launchers = new LinkedHashMap<>();
        for (Path f : regularFiles(dir.resolve("bin"))) {
            if (!f.getFileName().toString().equals("cni4j")) {
                byte[] bytes = AtomicFiles.read(f);
                // The native launcher finds <bin>/cni4j-lib by itself; shell launchers are rewritten.
                launchers.put(binDir.resolve(f.getFileName()), isElf(bytes) ? bytes : relocate(f, libDir));
            }
        }
        Path standalone = dir.resolve("lib").resolve("standalone");
        if (Files.isDirectory(standalone)) {
            for (Path f : regularFiles(standalone)) {
                launchers.put(libDir.resolve("standalone").resolve(f.getFileName()), relocate(f, libDir));
            }
        }
        if (launchers.isEmpty()) {
            throw CliException.failed("no plugin launchers in " + dir.resolve("bin") + "; build the dist first");
        }
        return launchers;
    }

    /**
     * The launcher with its lib dir fixed to {@code libDir}: generated launchers look for their
     * jars beside bin, which in /opt/cni would be /opt/cni/lib, not ours to fill.
     */
    static byte[] relocate(Path launcher, Path libDir) {
        String text = new String(AtomicFiles.read(launcher), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        boolean found = false;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("case $0 in") && line.contains("lib=")) {
                line = "lib='" + libDir + "'";
                found = true;
            }
            sb.append(line).append('\n');
        }
        if (!found) {
            throw CliException.failed(launcher + " is not a cni4j launcher (no lib line)");
        }
        return sb.substring(0, sb.length() - 1).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isElf(byte[] b) {
        return b.length > 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    private static List<Path> regularFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
