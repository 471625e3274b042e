package dev.cni4j.cli;

import dev.cni4j.json.JsonObject;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.ConfigDirectory;
import dev.cni4j.runtime.ConfigProblem;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.PluginConfig;
import dev.cni4j.runtime.PluginLocator;
import dev.cni4j.runtime.ProcessPluginExec;
import dev.cni4j.runtime.ResultCache;
import dev.cni4j.runtime.VersionInfo;
import dev.cni4j.spec.CniException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The conf dir and bin dir part of {@code doctor}: files runtimes skip, networks defined twice,
 * plugins (including IPAM delegates) named by a config but missing from the bin dirs, and
 * plugins that do not support their config's cniVersion.
 */
final class ConfigChecks {
    private ConfigChecks() {}

    static List<Finding> check(Path confDir, List<Path> binDirs) {
        List<Finding> findings = new ArrayList<>();
        ConfigDirectory configs = ConfigDirectory.load(confDir);
        for (ConfigProblem p : configs.problems()) {
            findings.add(Finding.error(
                    "invalid network config " + p.file() + ": " + p.reason(),
                    "fix or remove the file; runtimes skip it"));
        }
        if (configs.networks().isEmpty()) {
            findings.add(Finding.error(
                    "no usable network config in " + confDir + ": the runtime reports the node's network as not ready",
                    "write one, e.g. cni4j install --subnet CIDR"));
        }
        duplicates(configs, findings);
        missingPlugins(configs, binDirs, findings);
        unsupportedVersions(configs, binDirs, findings);
        return findings;
    }

    /**
     * libcni's ValidateNetworkList: every plugin must list the config's cniVersion in its VERSION
     * answer, or every ADD fails. Runs each installed plugin once with VERSION (harmless).
     */
    private static void unsupportedVersions(ConfigDirectory configs, List<Path> binDirs, List<Finding> findings) {
        CniRuntime runtime = new CniRuntime(
                binDirs,
                new ProcessPluginExec(Duration.ofSeconds(30), (p, b) -> {}),
                new ResultCache(Path.of("/nonexistent")));
        Map<String, Object> versions = new HashMap<>(); // type -> VersionInfo or the failure text
        for (NetworkConfigList n : configs.networks()) {
            for (PluginConfig p : n.plugins()) {
                Object v = versions.computeIfAbsent(p.type(), type -> {
                    try {
                        PluginLocator.find(type, binDirs);
                    } catch (CniException e) {
                        return "missing"; // reported above
                    }
                    try {
                        return runtime.version(type);
                    } catch (CniException e) {
                        findings.add(Finding.warning(
                                "plugin \"" + type + "\" does not answer VERSION: " + e.getMessage(),
                                "check that it runs: CNI_COMMAND=VERSION " + type + " < /dev/null"));
                        return "failed";
                    }
                });
                if (v instanceof VersionInfo info && !info.supports(n.cniVersion())) {
                    findings.add(Finding.error(
                            "network " + n.name() + " has cniVersion " + n.cniVersion()
                                    + " but plugin \"" + p.type() + "\" supports only " + info.supportedVersions()
                                    + ": every ADD fails",
                            "lower the config's cniVersion or update the plugin"));
                }
            }
        }
    }

    private static void duplicates(ConfigDirectory configs, List<Finding> findings) {
        Map<String, List<Path>> byName = new LinkedHashMap<>();
        for (NetworkConfigList n : configs.networks()) {
            byName.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(n.source());
        }
        byName.forEach((name, files) -> {
            if (files.size() > 1) {
                Path used = configs.byName(name).orElseThrow().source();
                findings.add(Finding.warning(
                        "network \"" + name + "\" is defined in " + files.size() + " files ("
                                + files.stream().map(Path::toString).collect(Collectors.joining(", "))
                                + "); runtimes use "
                                + used,
                        "remove the other files or give each network its own name"));
            }
        });
    }

    private static void missingPlugins(ConfigDirectory configs, List<Path> binDirs, List<Finding> findings) {
        Map<String, Set<String>> neededBy = new LinkedHashMap<>();
        for (NetworkConfigList n : configs.networks()) {
            for (PluginConfig p : n.plugins()) {
                neededBy.computeIfAbsent(p.type(), k -> new LinkedHashSet<>()).add(n.name());
                JsonObject ipam = p.json().object("ipam");
                String ipamType = ipam == null ? null : ipam.string("type");
                if (ipamType != null && !ipamType.isEmpty()) {
                    neededBy.computeIfAbsent(ipamType, k -> new LinkedHashSet<>())
                            .add(n.name());
                }
            }
        }
        neededBy.forEach((type, networks) -> {
            try {
                PluginLocator.find(type, binDirs);
            } catch (CniException e) {
                findings.add(Finding.error(
                        "plugin \"" + type + "\" (used by network " + String.join(", ", networks) + ") is missing: "
                                + e.getMessage(),
                        "install it into "
                                + binDirs.stream().map(Path::toString).collect(Collectors.joining(":"))
                                + " (cni4j install puts the cni4j plugins there)"));
            }
        });
    }
}
