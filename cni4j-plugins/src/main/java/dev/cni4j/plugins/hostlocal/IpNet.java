package dev.cni4j.plugins.hostlocal;

import java.math.BigInteger;

/**
 * An address with a prefix length, as in {@code 10.1.2.3/24}. The address is kept as written
 * (like CNI's {@code types.ParseCIDR}); {@link #network()} gives the masked one.
 */
public record IpNet(IpAddress ip, int prefix) {

    /** Parses {@code ip/prefix}; returns null when malformed. */
    public static IpNet parse(String s) {
        if (s == null) {
            return null;
        }
        int slash = s.indexOf('/');
        if (slash < 0 || slash == s.length() - 1 || s.length() - slash > 4) {
            return null;
        }
        IpAddress ip = IpAddress.parse(s.substring(0, slash));
        if (ip == null) {
            return null;
        }
        int prefix = 0;
        for (int i = slash + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            prefix = prefix * 10 + (c - '0');
        }
        // an IPv4-mapped IPv6 literal with a /96+ prefix is the IPv4 network Go would read
        if (!ip.isIPv6() && s.indexOf(':') >= 0) {
            prefix -= 96;
            if (prefix < 0) {
                return null;
            }
        }
        return prefix > ip.bits() ? null : new IpNet(ip, prefix);
    }

    private BigInteger hostMask() {
        return BigInteger.ONE.shiftLeft(ip.bits() - prefix).subtract(BigInteger.ONE);
    }

    /** The network address (host bits cleared). */
    public IpAddress network() {
        return IpAddress.of(ip.value().andNot(hostMask()), ip.isIPv6());
    }

    /** The last address of the network (the IPv4 broadcast). */
    public IpAddress lastAddress() {
        return IpAddress.of(ip.value().or(hostMask()), ip.isIPv6());
    }

    public boolean contains(IpAddress a) {
        return a.sameFamily(ip) && a.value().andNot(hostMask()).equals(ip.value().andNot(hostMask()));
    }

    @Override
    public String toString() {
        return ip + "/" + prefix;
    }
}
