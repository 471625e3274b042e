package dev.cni4j.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Checks a literal CIDR such as {@code 10.22.0.0/16} or {@code fd00:22::/64}, without name lookups. */
final class Cidr {
    private Cidr() {
    }

    /** @return whether it is IPv6; a usage error naming {@code option} when it is not a CIDR */
    static boolean parse(String cidr, String option) {
        int slash = cidr.indexOf('/');
        String addr = slash < 0 ? "" : cidr.substring(0, slash);
        String prefix = slash < 0 ? "" : cidr.substring(slash + 1);
        boolean ipv6 = addr.indexOf(':') >= 0;
        boolean literal = !addr.isEmpty() && addr.chars().allMatch(c -> ipv6
                ? Character.digit(c, 16) >= 0 || c == ':' || c == '.' : Character.isDigit(c) || c == '.');
        if (literal && !ipv6) {
            // Checked here: a bad IPv4 literal would make InetAddress try a DNS lookup.
            String[] octets = addr.split("\\.", -1);
            literal = octets.length == 4;
            for (int i = 0; literal && i < 4; i++) {
                literal = !octets[i].isEmpty() && octets[i].length() <= 3 && Integer.parseInt(octets[i]) <= 255;
            }
        }
        if (!literal || prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(Character::isDigit)
                || Integer.parseInt(prefix) > (ipv6 ? 128 : 32)) {
            throw CliException.usage("invalid " + option + " \"" + cidr + "\": expected a CIDR such as 10.22.0.0/16");
        }
        try {
            InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw CliException.usage("invalid " + option + " \"" + cidr + "\": " + e.getMessage());
        }
        return ipv6;
    }
}
