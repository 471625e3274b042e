package dev.cni4j.agent.policy;

import dev.cni4j.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What policy needs of a Pod.
 *
 * @param uid         metadata.uid (the key of our own IPAM's addresses for local pods)
 * @param nodeName    spec.nodeName, or null while unscheduled
 * @param hostNetwork spec.hostNetwork: such a pod is never selected as a pod, its traffic is its node's
 * @param phase       status.phase
 * @param podIps      status.podIPs (both families on a dual-stack pod), in the API's order
 * @param ports       the containers' ports ({@code spec.containers[*].ports}), for named ports
 */
public record PodInfo(
        String uid,
        String namespace,
        String name,
        String nodeName,
        Map<String, String> labels,
        boolean hostNetwork,
        Phase phase,
        List<IpAddress> podIps,
        List<NamedPort> ports) {

    public enum Phase {
        PENDING,
        RUNNING,
        SUCCEEDED,
        FAILED,
        UNKNOWN;

        /** The API's spelling; UNKNOWN for anything else (or null). */
        public static Phase fromApi(String text) {
            if (text == null) {
                return UNKNOWN;
            }
            return switch (text) {
                case "Pending" -> PENDING;
                case "Running" -> RUNNING;
                case "Succeeded" -> SUCCEEDED;
                case "Failed" -> FAILED;
                default -> UNKNOWN;
            };
        }

        public boolean terminal() {
            return this == SUCCEEDED || this == FAILED;
        }
    }

    /** A container port; {@code name} null when it has none. */
    public record NamedPort(String name, Protocol protocol, int port) {}

    public PodInfo {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        podIps = List.copyOf(podIps);
        ports = List.copyOf(ports);
    }

    public String fullName() {
        return namespace + "/" + name;
    }
}
