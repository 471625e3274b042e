package dev.cni4j.agent.install;

import dev.cni4j.node.AtomicFiles;
import dev.cni4j.node.DefaultConflist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * install-cni: copies the plugin launchers ({@code <source>/bin/*}) into the CNI bin dir and
 * their jars and Java runtime ({@code <source>/lib}, the tree with its files' executable bits)
 * beside it ({@code <bin>/../lib}, where the launchers look),
 * writes the conflist, and removes all of it on {@link #uninstall}. What it wrote is listed in
 * a manifest in the bin dir so that uninstall never removes other vendors' plugins.
 */
public final class CniInstaller {
    static final String MANIFEST = ".cni4j-installed";
    private final Path binDir;
    private final Path confDir;
    private final String conflistName;

    /**
     * The conflist the agent writes unless the configuration supplies one: bridge (cni0, gateway,
     * hairpin, host-local over the node's pod CIDR), portmap and bandwidth. ipMasq is off because
     * the agent masquerades egress for the whole cluster CIDR itself; per-pod masquerade would also
     * hide pod addresses from pods on other nodes. isDefaultGateway gives pods their default route
     * via cni0: with isGateway alone (and no ipam routes) a pod only reaches its own node's subnet.
     * {@code cniVersion} null: {@link DefaultConflist#CNI_VERSION}; {@code mtu} 0: the bridge's
     * default; {@code podCidrFile} and {@code dataDir} are named only when not the defaults.
     */
    public static String defaultConflist(
            String name, String cniVersion, int mtu, String podCidrFile, String dataDir, boolean networkPolicy) {
        return DefaultConflist.named(name)
                .cniVersion(cniVersion)
                .defaultGateway(true)
                .mtu(mtu)
                .podCidrFile(podCidrFile)
                .dataDir(dataDir)
                .portmapSnat(true)
                .networkPolicy(networkPolicy)
                .json();
    }

    public CniInstaller(Path binDir, Path confDir, String conflistName) {
        this.binDir = binDir;
        this.confDir = confDir;
        this.conflistName = conflistName;
    }

    public Path conflistPath() {
        return confDir.resolve(conflistName);
    }

    /** Copies the plugins from {@code source} (a dist dir with bin/ and lib/, or a flat dir of executables). */
    public List<Path> installPlugins(Path source) {
        Path bin = Files.isDirectory(source.resolve("bin")) ? source.resolve("bin") : source;
        List<Path> written = new ArrayList<>();
        try {
            try (Stream<Path> files = Files.list(bin)) {
                for (Path f : files.sorted().toList()) {
                    if (!Files.isRegularFile(f)) {
                        continue;
                    }
                    Path target = binDir.resolve(f.getFileName().toString());
                    AtomicFiles.writeIfChanged(
                            target,
                            Files.readAllBytes(f),
                            AtomicFiles.EXECUTABLE); // a running plugin keeps its old inode
                    written.add(target);
                }
            }
            Path lib = source.resolve("lib");
            if (Files.isDirectory(lib)) {
                Path libTarget = binDir.toAbsolutePath().getParent().resolve("lib");
                try (Stream<Path> tree = Files.walk(lib)) {
                    for (Path f : tree.filter(Files::isRegularFile).sorted().toList()) {
                        Path target = libTarget.resolve(lib.relativize(f).toString());
                        // lib/standalone/* and the runtime's lib/jre/bin/java must stay executable.
                        boolean exec = Files.getPosixFilePermissions(f).contains(PosixFilePermission.OWNER_EXECUTE);
                        AtomicFiles.writeIfChanged(
                                target, Files.readAllBytes(f), exec ? AtomicFiles.EXECUTABLE : AtomicFiles.READABLE);
                        written.add(target);
                    }
                }
            }
            List<String> lines = new ArrayList<>(readManifest());
            for (Path p : written) {
                if (!lines.contains(p.toString())) {
                    lines.add(p.toString());
                }
            }
            AtomicFiles.writeIfChanged(
                    binDir.resolve(MANIFEST),
                    (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
                    AtomicFiles.READABLE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install plugins from " + source, e);
        }
        return written;
    }

    /** Writes the conflist (atomically): the runtime reports the network ready once it appears. */
    public boolean writeConflist(String json) {
        return AtomicFiles.writeIfChanged(conflistPath(), json.getBytes(StandardCharsets.UTF_8), AtomicFiles.READABLE);
    }

    public boolean conflistPresent() {
        return Files.isRegularFile(conflistPath());
    }

    /** Removes the conflist first (network no longer ready), then every file the manifest lists. */
    public int uninstall() {
        int removed = 0;
        try {
            if (Files.deleteIfExists(conflistPath())) {
                removed++;
            }
            for (String line : readManifest()) {
                if (!line.isBlank() && Files.deleteIfExists(Path.of(line))) {
                    removed++;
                }
            }
            Files.deleteIfExists(binDir.resolve(MANIFEST));
        } catch (IOException e) {
            throw new UncheckedIOException("uninstall", e);
        }
        return removed;
    }

    private List<String> readManifest() throws IOException {
        Path m = binDir.resolve(MANIFEST);
        return Files.isRegularFile(m) ? Files.readAllLines(m) : List.of();
    }
}
