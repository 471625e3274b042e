package dev.cni4j.cli;

import dev.cni4j.runtime.ConfigDirectory;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.spec.CniVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container runtime part of {@code doctor}: a network whose cniVersion is newer than the
 * node's runtime reads. The runtime's libcni parses every result at the config's version, so an
 * old one loads the config, reports the network ready, and then fails every pod with
 * {@code unsupported CNI result version}. Found where it can be told: containerd or CRI-O on the
 * PATH, answering {@code --version}.
 *
 * <p>Which libcni each release vendors (its go.mod): containerd 1.5 has libcni 0.8 (spec up to
 * 0.4.0); 1.6 and 1.7 have 1.0/1.1 (up to 1.0.0; 1.7.19: libcni 1.1.2); 2.0 and later 1.2 (up to
 * 1.1.0). CRI-O has read 1.0.0 since 1.24 (libcni 1.1) and 1.1.0 since its ocicni 0.4.3 bump
 * (libcni 1.2, mid-2024; taken as 1.31, checked in 1.32).
 */
final class RuntimeChecks {
    private RuntimeChecks() {}

    /** A runtime, the newest cniVersion it reads, and the releases that read more. */
    record Runtime(String name, String version, String newestCniVersion) {}

    private static final Pattern VERSION = Pattern.compile("(?<![\\w.])v?(\\d+)\\.(\\d+)\\.(\\d+)");

    static List<Finding> check(NodeProbe probe, Path confDir) {
        List<Runtime> runtimes = new ArrayList<>();
        probe.versionOutput("containerd").flatMap(RuntimeChecks::containerd).ifPresent(runtimes::add);
        probe.versionOutput("crio").flatMap(RuntimeChecks::crio).ifPresent(runtimes::add);
        List<Finding> findings = new ArrayList<>();
        if (runtimes.isEmpty()) {
            return findings;
        }
        for (NetworkConfigList n : ConfigDirectory.load(confDir).networks()) {
            for (Runtime r : runtimes) {
                if (CniVersion.compare(n.cniVersion(), r.newestCniVersion()) > 0) {
                    findings.add(Finding.error(
                            "network " + n.name() + " (" + n.source() + ") has cniVersion "
                                    + n.cniVersion() + " but " + r.name() + " " + r.version() + " reads results up to "
                                    + r.newestCniVersion() + ": if it runs this node's pods, every ADD fails with"
                                    + " \"unsupported CNI result version\"",
                            "set \"cniVersion\": \"" + r.newestCniVersion() + "\" in " + n.source()
                                    + " (the agent: conflistCniVersion, cni4j install: --cni-version), or update "
                                    + r.name()));
                }
            }
        }
        return findings;
    }

    /**
     * {@code containerd --version}, e.g. "containerd github.com/containerd/containerd 1.6.20~ds1
     * 1.6.20~ds1-1" (Debian) or "... containerd/v2 v2.0.0 207ad71...".
     */
    static Optional<Runtime> containerd(String output) {
        return firstVersion(output)
                .map(v -> new Runtime(
                        "containerd",
                        v[0] + "." + v[1] + "." + v[2],
                        v[0] < 1 || v[0] == 1 && v[1] < 6
                                ? CniVersion.V0_4_0
                                : v[0] < 2 ? CniVersion.V1_0_0 : CniVersion.V1_1_0));
    }

    /** {@code crio --version}, e.g. "crio version 1.29.1" or "Version:  1.31.0". */
    static Optional<Runtime> crio(String output) {
        return firstVersion(output)
                .map(v -> new Runtime(
                        "CRI-O",
                        v[0] + "." + v[1] + "." + v[2],
                        v[0] < 1 || v[0] == 1 && v[1] < 24
                                ? CniVersion.V0_4_0
                                : v[0] == 1 && v[1] < 31 ? CniVersion.V1_0_0 : CniVersion.V1_1_0));
    }

    private static Optional<int[]> firstVersion(String output) {
        Matcher m = VERSION.matcher(output);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))
                    });
        } catch (NumberFormatException e) {
            return Optional.empty(); // digits beyond int: not a version we know
        }
    }
}
