package dev.cni4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code -p/--publish} value: {@code [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTOCOL]} (an IPv6
 * host address in brackets, {@code [::1]:8080:80}), as the {@code portMappings} capability
 * entry {@code {hostPort, containerPort, protocol, hostIP}}. The protocol defaults to tcp and is
 * lower case, as containerd sends it; {@code hostIP} is present only when given.
 */
record PortMapping(String hostIp, int hostPort, int containerPort, String protocol) {
    private static final String FORM = "expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTOCOL]";

    static PortMapping parse(String spec) {
        String protocol = "tcp";
        String ports = spec;
        int slash = spec.lastIndexOf('/');
        if (slash >= 0) {
            protocol = spec.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
            ports = spec.substring(0, slash);
            if (!protocol.equals("tcp") && !protocol.equals("udp") && !protocol.equals("sctp")) {
                throw invalid(spec, "protocol \"" + spec.substring(slash + 1) + "\" is not tcp, udp or sctp");
            }
        }
        String hostIp = null;
        if (ports.startsWith("[")) {
            int close = ports.indexOf("]:");
            if (close < 0) {
                throw invalid(spec, FORM);
            }
            hostIp = ipv6(spec, ports.substring(1, close));
            ports = ports.substring(close + 2);
        }
        String[] parts = ports.split(":", -1);
        if (hostIp == null && parts.length == 3) {
            hostIp = ipv4(spec, parts[0]);
            parts = new String[] {parts[1], parts[2]};
        }
        if (parts.length != 2) {
            throw invalid(spec, FORM);
        }
        return new PortMapping(hostIp, port(spec, parts[0]), port(spec, parts[1]), protocol);
    }

    /** The capability entry. */
    Map<String, Object> toCapability() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostPort", (long) hostPort);
        m.put("containerPort", (long) containerPort);
        m.put("protocol", protocol);
        if (hostIp != null) {
            m.put("hostIP", hostIp);
        }
        return m;
    }

    private static int port(String spec, String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(spec, "port \"" + s + "\" is not a number");
        }
        int p = Integer.parseInt(s);
        if (p < 1 || p > 65535) {
            throw invalid(spec, "port " + p + " is out of range 1-65535");
        }
        return p;
    }

    private static String ipv4(String spec, String s) {
        String[] octets = s.split("\\.", -1);
        boolean ok = octets.length == 4;
        for (int i = 0; ok && i < 4; i++) {
            ok = !octets[i].isEmpty()
                    && octets[i].length() <= 3
                    && octets[i].chars().allMatch(Character::isDigit)
                    && Integer.parseInt(octets[i]) <= 255;
        }
        if (!ok) {
            throw invalid(spec, "host IP \"" + s + "\" is not an IPv4 address (put IPv6 in brackets)");
        }
        return s;
    }

    private static String ipv6(String spec, String s) {
        // Only literal characters, so InetAddress never does a name lookup.
        if (s.indexOf(':') < 0 || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            throw invalid(spec, "host IP \"" + s + "\" is not an IPv6 address");
        }
        try {
            java.net.InetAddress.getByName(s);
            return s;
        } catch (java.net.UnknownHostException e) {
            throw invalid(spec, "host IP \"" + s + "\" is not an IPv6 address");
        }
    }

    private static CliException invalid(String spec, String why) {
        return CliException.usage("invalid port mapping \"" + spec + "\": " + why);
    }
}
