package dev.cni4j.plugins.portmap;

import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.net.IpAddress;
import dev.cni4j.spec.CniException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One entry of the {@code portMappings} capability: traffic to {@code hostPort} (optionally only
 * on {@code hostIP}) goes to {@code containerPort} in the pod.
 *
 * @param hostIp null when unset or unspecified (0.0.0.0 / ::), i.e. every local address
 */
public record PortMapping(int hostPort, int containerPort, String protocol, IpAddress hostIp) {
    static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");

    /** Reads {@code runtimeConfig.portMappings}; a config error (code 7) for any bad entry. */
    public static List<PortMapping> listFrom(JsonObject runtimeConfig) {
        List<PortMapping> out = new ArrayList<>();
        try {
            List<JsonObject> raw = runtimeConfig.objects("portMappings");
            if (raw == null) {
                return out;
            }
            for (JsonObject m : raw) {
                out.add(parse(m));
            }
        } catch (JsonTypeException e) {
            throw CniException.invalidConfig("failed to parse portMappings: " + e.getMessage());
        }
        return out;
    }

    static PortMapping parse(JsonObject m) {
        long host = m.integer("hostPort", 0);
        long container = m.integer("containerPort", 0);
        if (container <= 0 || container > 65535) {
            throw CniException.invalidConfig("Invalid container port number: " + container);
        }
        if (host <= 0 || host > 65535) {
            throw CniException.invalidConfig("Invalid host port number: " + host);
        }
        String protocol = m.string("protocol", "tcp").toLowerCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw CniException.invalidConfig(
                    "Invalid protocol \"" + m.string("protocol") + "\": expected tcp, udp or sctp");
        }
        String ipText = m.string("hostIP", "");
        IpAddress hostIp = ipText.isEmpty() ? null : IpAddress.tryParse(ipText);
        if (!ipText.isEmpty() && hostIp == null) {
            throw CniException.invalidConfig("invalid hostIP \"" + ipText + "\"");
        }
        if (hostIp != null && hostIp.isUnspecified()) {
            hostIp = null;
        }
        return new PortMapping((int) host, (int) container, protocol, hostIp);
    }

    /** Whether this mapping applies to pods of this family: a hostIP of the other family does not. */
    public boolean appliesTo(boolean ipv4) {
        return hostIp == null || hostIp.isIPv4() == ipv4;
    }
}
