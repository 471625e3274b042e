package dev.cni4j.cli;

import dev.cni4j.node.HostLocalReservations;
import dev.cni4j.node.Reservation;
import dev.cni4j.runtime.ResultCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * host-local reservations that nothing accounts for: a file {@code <data-dir>/<network>/<ip>}
 * holds {@code <containerID>\r\n<ifname>} (legacy files only the container ID), and a container
 * a runtime added through libcni or cni4j has a result cache entry
 * {@code <cache-dir>/results/<network>-<containerID>-<ifname>}. A reservation without one is
 * usually an IP leaked by a node crash (DEL never ran), the classic cause of "no IP addresses
 * available in range set".
 */
final class ReservationChecks {
    private ReservationChecks() {}

    static List<Finding> check(Path dataDir, Path cacheDir) {
        List<Finding> findings = new ArrayList<>();
        ResultCache cache = new ResultCache(cacheDir);
        for (Map.Entry<String, List<Reservation>> network :
                HostLocalReservations.scan(dataDir).entrySet()) {
            for (Reservation r : network.getValue()) {
                if (!r.containerId().isEmpty() && !cache.contains(network.getKey(), r.containerId(), r.ifname())) {
                    findings.add(Finding.warning(
                            "IP " + r.fileName() + " of network " + network.getKey()
                                    + " is reserved for container " + r.containerId()
                                    + (r.isLegacy() ? "" : " " + r.ifname())
                                    + " but no attachment of it is cached (leaked?)",
                            "if that container is gone, run cni4j gc "
                                    + network.getKey() + " (host-local frees it) or remove "
                                    + dataDir.resolve(network.getKey()).resolve(r.fileName())));
                }
            }
        }
        return findings;
    }
}
