package dev.cni4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * host-local reservations that nothing accounts for: a file {@code <data-dir>/<network>/<ip>}
 * holds {@code <containerID>\r\n<ifname>} (legacy files only the container ID), and a container
 * a runtime added through libcni or cni4j has a result cache entry
 * {@code <cache-dir>/results/<network>-<containerID>-<ifname>}. A reservation without one is
 * usually an IP leaked by a node crash (DEL never ran), the classic cause of "no IP addresses
 * available in range set".
 */
final class ReservationChecks {
    private ReservationChecks() {
    }

    static List<Finding> check(Path dataDir, Path cacheDir) {
        List<Finding> findings = new ArrayList<>();
        for (Path networkDir : list(dataDir)) {
            if (!Files.isDirectory(networkDir)) {
                continue;
            }
            String network = networkDir.getFileName().toString();
            for (Path file : list(networkDir)) {
                String name = file.getFileName().toString();
                if (!Files.isRegularFile(file) || name.equals("lock") || name.startsWith("last_reserved_ip.")
                        || name.startsWith(".")) {
                    continue;
                }
                String[] owner = read(file).split("\r?\n");
                String containerId = owner[0].trim();
                String ifName = owner.length > 1 ? owner[1].trim() : "";
                if (!containerId.isEmpty() && !cached(cacheDir, network, containerId, ifName)) {
                    findings.add(Finding.warning("IP " + name + " of network " + network + " is reserved for container "
                            + containerId + (ifName.isEmpty() ? "" : " " + ifName)
                            + " but no attachment of it is cached (leaked?)", "if that container is gone, run cni4j gc "
                            + network + " (host-local frees it) or remove " + file));
                }
            }
        }
        return findings;
    }

    private static boolean cached(Path cacheDir, String network, String containerId, String ifName) {
        Path results = cacheDir.resolve("results");
        if (!ifName.isEmpty()) {
            return Files.exists(results.resolve(network + "-" + containerId + "-" + ifName));
        }
        String prefix = network + "-" + containerId + "-";
        return list(results).stream().anyMatch(p -> p.getFileName().toString().startsWith(prefix));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
