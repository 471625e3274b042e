package dev.cni4j.cli;

import dev.cni4j.json.PrettyJson;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.node.AtomicFiles;
import dev.cni4j.node.DefaultConflist;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.runtime.ConfigDirectory;
import dev.cni4j.skel.Names;
import dev.cni4j.spec.CniVersion;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code install} and {@code uninstall}. Install copies the plugin launchers of the dist the
 * CLI runs from into the bin dir (rewritten to find their jars in {@code <bin-dir>/cni4j-lib}),
 * the jars, AOT cache and Java runtime (the lib tree, modes kept) into that lib dir, the fast
 * path's systemd units ({@link SystemdUnits}) and a conflist into the conf dir; every file is
 * written atomically and the conflist last, because runtimes treat its presence as "network
 * ready". A manifest in the lib dir lists what was written; uninstall removes exactly that,
 * conflist first.
 */
final class InstallCommands {
    static final String INSTALL_USAGE = """
            usage: cni4j install [--bin-dir DIR] [--conf-dir DIR]
                                 (--conflist FILE | [--network-name NAME] [--cni-version V] --subnet CIDR)
                                 [--systemd-dir DIR | --no-systemd] [--daemon-idle-exit SECONDS]
                                 [--dist DIR] [--force] [--json]

            Installs the cni4j plugins into the bin dir (default /opt/cni/bin; their jars go to
            <bin-dir>/cni4j-lib) and a network config into the conf dir (default /etc/cni/net.d),
            the config last. Without --conflist it writes 10-NAME.conflist (NAME default cni4j):
            bridge cni0 with host-local on CIDR, portmap, bandwidth, at cniVersion V (default 1.0.0;
            1.1.0 adds STATUS and GC but needs libcni 1.2: containerd 2.0+, not 1.6 or 1.7). Files not written by an \
            earlier
            cni4j install are not overwritten unless --force. --dist: the dist dir to install
            from (default: the one this cni4j runs from).

            The fast path: it also writes systemd units into the systemd dir (default
            /etc/systemd/system): cni4j-daemon.socket listens on /run/cni4j/cni.sock (root, 0600,
            in a 0700 dir) and starts cni4j-daemon.service on the first plugin call, which then
            serves the calls from a warm JVM and exits after SECONDS without one (default 60). When
            systemd runs and reads that dir, install enables and starts the socket; otherwise it
            says what to run. --no-systemd: no units (nodes where the cni4j agent serves the fast
            path, or no fast path: every call then starts its own JVM).
            """;
    static final String UNINSTALL_USAGE = """
            usage: cni4j uninstall [--bin-dir DIR] [--json]

            Removes the files the last cni4j install into this bin dir wrote (conflist first), as
            listed in <bin-dir>/cni4j-lib/install-manifest (which also knows the conf and systemd
            dirs: --conf-dir is accepted and ignored), after stopping and disabling the fast
            path's systemd units where systemd runs. Files changed since install are left alone.
            """;
    static final String LIB_DIR = "cni4j-lib";

    private final PrintStream out;
    private final PrintStream err;
    private final SystemdUnits.Systemd systemd;

    InstallCommands(PrintStream out, PrintStream err) {
        this(out, err, SystemdUnits.Systemd.NODE);
    }

    InstallCommands(PrintStream out, PrintStream err, SystemdUnits.Systemd systemd) {
        this.out = out;
        this.err = err;
        this.systemd = systemd;
    }

    int install(List<String> argv) {
        Args args = Args.parse(
                argv,
                "--bin-dir=",
                "--conf-dir=",
                "--conflist=",
                "--network-name=",
                "--subnet=",
                "--cni-version=",
                "--systemd-dir=",
                "--no-systemd",
                "--daemon-idle-exit=",
                "--dist=",
                "--force",
                "--json");
        if (args.help()) {
            out.print(INSTALL_USAGE);
            return 0;
        }
        args.expect("install");
        Path binDir = Path.of(args.value("--bin-dir", NodeLayout.BIN_DIR))
                .toAbsolutePath()
                .normalize();
        Path confDir = Path.of(args.value("--conf-dir", NodeLayout.CONF_DIR))
                .toAbsolutePath()
                .normalize();
        Map<Path, byte[]> conflist = conflist(args, confDir);
        DistDir dist = DistDir.locate(args.value("--dist", null));
        Path libDir = binDir.resolve(LIB_DIR);

        // Everything is read and checked before the first write.
        Map<Path, DistDir.LibFile> libFiles = dist.libFiles(libDir);
        Map<Path, byte[]> launchers = dist.pluginLaunchers(binDir, libDir);
        Path systemdDir = systemdDir(args);
        Map<Path, byte[]> units = systemdDir == null
                ? Map.of()
                : SystemdUnits.files(systemdDir, daemonLauncher(launchers, binDir), idleExit(args));
        Path manifestFile = InstallManifest.location(libDir);
        InstallManifest previous = InstallManifest.read(manifestFile);
        InstallManifest manifest = new InstallManifest();
        libFiles.forEach((path, f) -> manifest.add(path, f.bytes()));
        launchers.forEach(manifest::add);
        units.forEach(manifest::add);
        conflist.forEach(manifest::add);
        if (!args.flag("--force")) {
            for (Path t : manifest.files().keySet()) {
                if (Files.exists(t) && !previous.contains(t)) {
                    throw CliException.failed(t + " exists and was not installed by cni4j; use --force to replace it");
                }
            }
        }

        // The manifest first: an install that fails halfway can still be uninstalled.
        List<Path> written = new ArrayList<>();
        write(written, manifestFile, manifest.encode(), AtomicFiles.READABLE);
        libFiles.forEach((path, f) -> write(written, path, f.bytes(), f.mode()));
        launchers.forEach((path, bytes) -> write(written, path, bytes, AtomicFiles.EXECUTABLE));
        units.forEach((path, bytes) -> write(written, path, bytes, AtomicFiles.READABLE));
        conflist.forEach((path, bytes) -> write(written, path, bytes, AtomicFiles.READABLE));
        // An earlier install's files that this one did not rewrite (e.g. another conflist name).
        previous.files().keySet().stream()
                .filter(p -> !manifest.contains(p) && previous.unchanged(p))
                .forEach(p -> {
                    delete(p);
                    pruneEmptyDirs(p, libDir);
                });
        report(args, "installed", written);
        if (systemdDir != null) {
            if (systemd.manages(systemdDir)) {
                systemd.enable(err);
            } else {
                err.println("cni4j: " + SystemdUnits.enableHint(systemdDir));
            }
        }
        return 0;
    }

    private static Path systemdDir(Args args) {
        if (args.flag("--no-systemd")) {
            if (args.flag("--systemd-dir") || args.flag("--daemon-idle-exit")) {
                throw CliException.usage("--no-systemd cannot be combined with --systemd-dir or --daemon-idle-exit");
            }
            return null;
        }
        return Path.of(args.value("--systemd-dir", SystemdUnits.DEFAULT_DIR.toString()))
                .toAbsolutePath()
                .normalize();
    }

    private static int idleExit(Args args) {
        String value = args.value("--daemon-idle-exit", String.valueOf(SystemdUnits.DEFAULT_IDLE_EXIT));
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= 1) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw CliException.usage(
                "--daemon-idle-exit must be a whole number of seconds, at least 1, not \"" + value + "\"");
    }

    private static Path daemonLauncher(Map<Path, byte[]> launchers, Path binDir) {
        Path daemon = binDir.resolve("cni4j-daemon");
        if (!launchers.containsKey(daemon)) {
            throw CliException.failed(
                    "the dist has no bin/cni4j-daemon for the fast path's systemd units; use --no-systemd");
        }
        return daemon;
    }

    int uninstall(List<String> argv) {
        Args args = Args.parse(argv, "--bin-dir=", "--conf-dir=", "--json");
        if (args.help()) {
            out.print(UNINSTALL_USAGE);
            return 0;
        }
        args.expect("uninstall");
        Path libDir = Path.of(args.value("--bin-dir", NodeLayout.BIN_DIR))
                .toAbsolutePath()
                .normalize()
                .resolve(LIB_DIR);
        Path manifestFile = InstallManifest.location(libDir);
        if (!Files.exists(manifestFile)) {
            throw CliException.failed("nothing to uninstall: no " + manifestFile);
        }
        InstallManifest manifest = InstallManifest.read(manifestFile);
        List<Path> units =
                manifest.files().keySet().stream().filter(SystemdUnits::isUnit).toList();
        boolean managed = !units.isEmpty() && systemd.manages(units.get(0).getParent());
        if (managed) {
            systemd.disable(err); // the daemon stops before its files go
        }
        List<Path> order = new ArrayList<>(manifest.files().keySet());
        // Conflists first: the network stops looking ready before its plugins disappear.
        order.sort((a, b) -> Boolean.compare(!isConfig(a), !isConfig(b)));
        List<Path> removed = new ArrayList<>();
        for (Path p : order) {
            if (manifest.unchanged(p)) {
                delete(p);
                pruneEmptyDirs(p, libDir);
                removed.add(p);
            } else if (Files.exists(p)) {
                err.println("cni4j: " + p + " changed since install; left in place");
            }
        }
        delete(manifestFile);
        removed.add(manifestFile);
        try {
            Files.deleteIfExists(libDir); // only when empty, i.e. nobody else put files there
        } catch (IOException e) {
            // DirectoryNotEmptyException or similar: leave it.
        }
        if (managed) {
            systemd.reload(err);
        }
        report(args, "removed", removed);
        return 0;
    }

    private Map<Path, byte[]> conflist(Args args, Path confDir) {
        String file = args.value("--conflist", null);
        String subnet = args.value("--subnet", null);
        if (file != null && (subnet != null || args.flag("--network-name") || args.flag("--cni-version"))) {
            throw CliException.usage("--conflist cannot be combined with --subnet, --network-name or --cni-version");
        }
        if (file != null) {
            Path source = Path.of(file);
            try {
                ConfigDirectory.loadFile(source); // refuse to install a config runtimes would skip
            } catch (IOException e) {
                throw CliException.failed("cannot read " + source + ": " + e.getMessage());
            } catch (dev.cni4j.spec.CniException e) {
                throw CliException.failed(source + " is not a valid network config: " + e.getMessage());
            }
            return Map.of(confDir.resolve(source.getFileName()), AtomicFiles.read(source));
        }
        if (subnet == null) {
            throw CliException.usage("install needs --conflist FILE or --subnet CIDR");
        }
        String name = args.value("--network-name", "cni4j");
        return Map.of(
                confDir.resolve(DefaultConflist.fileName(name)),
                defaultConflist(name, subnet, args.value("--cni-version", DefaultConflist.CNI_VERSION))
                        .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The network written when not given a conflist: bridge with masquerade, host-local on one subnet, portmap,
     * bandwidth.
     */
    static String defaultConflist(String networkName, String subnet, String cniVersion) {
        if (!Names.isValidNetworkName(networkName)) {
            throw CliException.usage("invalid --network-name \"" + networkName
                    + "\": letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        if (!CniVersion.LISTS.contains(cniVersion)) {
            throw CliException.usage("invalid --cni-version \"" + cniVersion + "\": one of " + CniVersion.LISTS);
        }
        if (IpPrefix.tryParse(subnet) == null) {
            throw CliException.usage("invalid --subnet \"" + subnet + "\": expected a CIDR such as 10.22.0.0/16");
        }
        return DefaultConflist.named(networkName)
                .cniVersion(cniVersion)
                .subnet(subnet)
                .ipamDefaultRoute(true)
                .ipMasq(true)
                .json();
    }

    /** Writes one file; {@code written} keeps the order for the report. */
    private static void write(List<Path> written, Path path, byte[] bytes, Set<PosixFilePermission> mode) {
        AtomicFiles.write(path, bytes, mode);
        written.add(path);
    }

    private static boolean isConfig(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json");
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes the dirs between {@code file} and {@code libDir} (exclusive) that are left empty, e.g.
     * lib/jre/bin once its files are gone: install created them. Stops at the first one that is not empty.
     */
    private static void pruneEmptyDirs(Path file, Path libDir) {
        for (Path d = file.getParent(); d != null && d.startsWith(libDir) && !d.equals(libDir); d = d.getParent()) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                return; // DirectoryNotEmptyException or similar: someone else's files, or more of ours to come
            }
        }
    }

    private void report(Args args, String verb, List<Path> files) {
        if (args.flag("--json")) {
            out.println(PrettyJson.write(
                    Map.of(verb, files.stream().map(Path::toString).toList())));
        } else {
            files.forEach(f -> out.println(verb + " " + f));
        }
    }
}
