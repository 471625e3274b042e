package dev.cni4j.plugins.hostlocal;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address as an unsigned number of 32 or 128 bits.
 *
 * <p>{@link #toString()} prints exactly what Go's {@code net.IP.String()} prints, because the
 * reservation files of the reference plugin are named that way: dotted quad for IPv4, RFC 5952
 * form for IPv6 (lower case, the longest run of two or more zero groups compressed, the first
 * one on a tie). An IPv4-mapped IPv6 literal is read as IPv4, as Go does.
 */
public final class IpAddress implements Comparable<IpAddress> {
    private final BigInteger value;
    private final boolean v6;

    private IpAddress(BigInteger value, boolean v6) {
        this.value = value;
        this.v6 = v6;
    }

    /** The address for {@code value}, which must fit in the family's width. */
    static IpAddress of(BigInteger value, boolean v6) {
        return new IpAddress(value, v6);
    }

    /** Parses an IP literal without DNS; returns null when it is not one (Go's {@code ParseIP} rules). */
    public static IpAddress parse(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            return parseV4(s);
        }
        if (s.indexOf('%') >= 0 || s.indexOf('[') >= 0) {
            return null; // zones and brackets are not IP literals for Go
        }
        try {
            InetAddress a = InetAddress.ofLiteral(s);
            return new IpAddress(new BigInteger(1, a.getAddress()), !(a instanceof Inet4Address));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // Strict dotted quad: exactly four decimal parts, no leading zeros (Go 1.17+), unlike
    // InetAddress.ofLiteral, which also takes BSD forms such as "10.1".
    private static IpAddress parseV4(String s) {
        long v = 0;
        int parts = 0;
        int i = 0;
        while (i <= s.length()) {
            int start = i;
            int octet = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return null;
                }
            }
            int len = i - start;
            if (len == 0 || octet > 255 || (len > 1 && s.charAt(start) == '0')) {
                return null;
            }
            v = (v << 8) | octet;
            parts++;
            if (i == s.length()) {
                break;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return null;
            }
            i++;
        }
        return parts == 4 ? new IpAddress(BigInteger.valueOf(v), false) : null;
    }

    public boolean isIPv6() {
        return v6;
    }

    /** 32 or 128. */
    public int bits() {
        return v6 ? 128 : 32;
    }

    BigInteger value() {
        return value;
    }

    /** This address plus {@code n} (no wrap check: callers stay inside a subnet). */
    IpAddress plus(long n) {
        return new IpAddress(value.add(BigInteger.valueOf(n)), v6);
    }

    public boolean sameFamily(IpAddress o) {
        return v6 == o.v6;
    }

    @Override
    public int compareTo(IpAddress o) {
        if (v6 != o.v6) {
            return v6 ? 1 : -1;
        }
        return value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && a.v6 == v6 && a.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode() * 31 + (v6 ? 1 : 0);
    }

    @Override
    public String toString() {
        if (!v6) {
            long v = value.longValue();
            return ((v >> 24) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 8) & 0xff) + "." + (v & 0xff);
        }
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = value.shiftRight(16 * (7 - g)).intValue() & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is never compressed
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLen) {
                bestStart = start;
                bestLen = g - start;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[g]));
        }
        return sb.toString();
    }
}
