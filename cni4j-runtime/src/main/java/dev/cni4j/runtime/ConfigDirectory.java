package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The networks of a conf dir (default {@code /etc/cni/net.d}), loaded the way libcni and the
 * runtimes do. Files ending {@code .conf}, {@code .conflist} and {@code .json} are read in
 * lexical order; single-plugin files are up-converted to one-element lists; a list that does
 * not set {@code loadOnlyInlinedPlugins} gets {@code <dir>/<network name>/*.conf} appended.
 * A file that cannot be used is skipped and reported in {@link #problems()}.
 *
 * <p>A snapshot: immutable and safe to share between threads; load again to see changes.
 */
public final class ConfigDirectory {

    private final Path dir;
    private final List<NetworkConfigList> networks;
    private final List<ConfigProblem> problems;

    private ConfigDirectory(Path dir, List<NetworkConfigList> networks, List<ConfigProblem> problems) {
        this.dir = dir;
        this.networks = List.copyOf(networks);
        this.problems = List.copyOf(problems);
    }

    /** Loads every usable network of {@code dir}. A missing dir is empty, not an error. */
    public static ConfigDirectory load(Path dir) {
        List<NetworkConfigList> networks = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        for (Path file : configFiles(dir, ".conf", ".conflist", ".json")) {
            try {
                networks.add(loadFile(file));
            } catch (CniException e) {
                problems.add(new ConfigProblem(file, e.getMessage()));
            } catch (IOException e) {
                problems.add(new ConfigProblem(file, "cannot read: " + e));
            }
        }
        return new ConfigDirectory(dir, networks, problems);
    }

    /** Loads one file: a {@code .conflist}, or a single-plugin {@code .conf}/{@code .json}. */
    public static NetworkConfigList loadFile(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (!file.getFileName().toString().endsWith(".conflist")) {
            return NetworkConfigParser.parseSingle(bytes).withSource(file);
        }
        NetworkConfigList list = NetworkConfigParser.parseList(bytes).withSource(file);
        if (!list.loadOnlyInlinedPlugins()) {
            list = list.withAppendedPlugins(siblingPlugins(file.getParent(), list.name()));
        }
        if (list.plugins().isEmpty()) {
            throw CniException.invalidConfig("no plugin configs found");
        }
        return list;
    }

    /** Plugins from {@code <dir>/<network>/*.conf}, in lexical order; any bad one fails the network. */
    private static List<PluginConfig> siblingPlugins(Path dir, String network) throws IOException {
        List<PluginConfig> plugins = new ArrayList<>();
        for (Path f : configFiles(dir.resolve(network), ".conf")) {
            try {
                plugins.add(NetworkConfigParser.parsePlugin(Files.readAllBytes(f)));
            } catch (CniException e) {
                throw new CniException(e.code(), f + ": " + e.getMessage(), e.details(), e);
            }
        }
        return plugins;
    }

    private static List<Path> configFiles(Path dir, String... extensions) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !Files.isDirectory(p))
                    .filter(p -> hasExtension(p, extensions))
                    .sorted((a, b) ->
                            a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static boolean hasExtension(Path p, String[] extensions) {
        String name = p.getFileName().toString();
        for (String ext : extensions) {
            if (name.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }

    public Path dir() {
        return dir;
    }

    /** Every usable network, in lexical file order. */
    public List<NetworkConfigList> networks() {
        return networks;
    }

    /** Files that were skipped, with the reason. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    /** The default network as containerd and CRI-O pick it: the first usable file in lexical order. */
    public Optional<NetworkConfigList> firstValid() {
        return networks.stream().findFirst();
    }

    /**
     * The network called {@code name}. As in libcni, {@code .conflist} files win over
     * single-plugin files; within each kind the first in lexical order wins.
     */
    public Optional<NetworkConfigList> byName(String name) {
        Optional<NetworkConfigList> list = networks.stream()
                .filter(n -> n.name().equals(name) && isConflist(n))
                .findFirst();
        return list.isPresent()
                ? list
                : networks.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    private static boolean isConflist(NetworkConfigList n) {
        return n.source() != null && n.source().getFileName().toString().endsWith(".conflist");
    }
}
