package dev.cni4j.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address, strict like Go's {@code netip.Addr}: a value of 32 or 128 bits and
 * its family, nothing else (no zone, no host name, never a DNS lookup).
 *
 * <p>The two families never mix: an IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) stays an
 * IPv6 address ({@link #isIPv4Mapped()} tells it, {@link #unmap()} converts on purpose), so a
 * config cannot slip an IPv4 network in through IPv6 text. {@link #toString()} is the canonical
 * text: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, the longest run of two or more zero
 * groups compressed, the first on a tie, mapped addresses as {@code ::ffff:a.b.c.d}), which is
 * also what Go's {@code net.IP.String()} and iproute2 print.
 *
 * <p>The value is kept in two longs ({@code high} is 0 for IPv4), so arithmetic and comparison
 * allocate nothing on the plugins' exec path.
 */
public final class IpAddress implements Comparable<IpAddress> {
    private final long high;
    private final long low;
    private final boolean v6;

    private IpAddress(long high, long low, boolean v6) {
        this.high = high;
        this.low = low;
        this.v6 = v6;
    }

    /** The IPv4 address with this 32-bit value (unsigned in the low bits of {@code value}). */
    public static IpAddress ipv4(long value) {
        return new IpAddress(0, value & 0xffff_ffffL, false);
    }

    /** The IPv6 address with these 128 bits. */
    public static IpAddress ipv6(long high, long low) {
        return new IpAddress(high, low, true);
    }

    /** The address of 4 or 16 network-order bytes. */
    public static IpAddress ofBytes(byte[] b) {
        if (b.length == 4) {
            return ipv4(((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL));
        }
        if (b.length == 16) {
            return ipv6(longAt(b, 0), longAt(b, 8));
        }
        throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + b.length);
    }

    /** The address of a JDK address (its zone, if any, is dropped). */
    public static IpAddress of(InetAddress a) {
        return ofBytes(a.getAddress());
    }

    /** Parses an IP literal; {@link IllegalArgumentException} naming the text when it is not one. */
    public static IpAddress parse(String text) {
        IpAddress a = tryParse(text);
        if (a == null) {
            throw new IllegalArgumentException("not an IP address: \"" + text + "\"");
        }
        return a;
    }

    /**
     * Parses an IP literal, or returns null: a strict dotted quad (four decimal parts, no leading
     * zeros) or IPv6 text (with an optional trailing dotted quad); no zones, brackets or spaces.
     */
    public static IpAddress tryParse(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        return text.indexOf(':') < 0 ? parseV4(text, 0, text.length()) : parseV6(text);
    }

    private static IpAddress parseV4(String s, int from, int to) {
        long v = 0;
        int parts = 0;
        int i = from;
        while (true) {
            int start = i;
            int octet = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || octet > 255 || (len > 1 && s.charAt(start) == '0')) {
                return null;
            }
            v = (v << 8) | octet;
            parts++;
            if (i == to) {
                return parts == 4 ? ipv4(v) : null;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return null;
            }
            i++;
        }
    }

    private static IpAddress parseV6(String s) {
        int[] groups = new int[8];
        int n = 0;
        int gap = -1; // index in groups where "::" stands
        int i = 0;
        int len = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == len) {
                return ipv6(0, 0);
            }
        }
        while (i < len) {
            if (n == 8) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < len && Character.digit(s.charAt(i), 16) >= 0 && i - start < 4) {
                value = (value << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i < len && s.charAt(i) == '.') {
                // a trailing dotted quad fills the last two groups
                if (n > 6) {
                    return null;
                }
                IpAddress v4 = parseV4(s, start, len);
                if (v4 == null) {
                    return null;
                }
                groups[n++] = (int) (v4.low >>> 16);
                groups[n++] = (int) (v4.low & 0xffff);
                i = len;
                break;
            }
            if (i == start) {
                return null;
            }
            groups[n++] = value;
            if (i == len) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < len && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = n;
                i++;
                if (i == len) {
                    break;
                }
            } else if (i == len) {
                return null; // a single trailing colon
            }
        }
        if (gap < 0 && n != 8 || gap >= 0 && n == 8) {
            return null;
        }
        int[] full = new int[8];
        if (gap < 0) {
            full = groups;
        } else {
            System.arraycopy(groups, 0, full, 0, gap);
            int tail = n - gap;
            System.arraycopy(groups, gap, full, 8 - tail, tail);
        }
        long high = 0;
        long low = 0;
        for (int g = 0; g < 4; g++) {
            high = (high << 16) | full[g];
            low = (low << 16) | full[g + 4];
        }
        return ipv6(high, low);
    }

    private static long longAt(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    public boolean isIPv4() {
        return !v6;
    }

    public boolean isIPv6() {
        return v6;
    }

    /** 32 or 128. */
    public int bitLength() {
        return v6 ? 128 : 32;
    }

    /** The high 64 bits of an IPv6 address (0 for IPv4). */
    public long high() {
        return high;
    }

    /** The low 64 bits (for IPv4, the address in the low 32 bits). */
    public long low() {
        return low;
    }

    public boolean sameFamily(IpAddress o) {
        return v6 == o.v6;
    }

    /** Whether this is an IPv6 address of the form {@code ::ffff:a.b.c.d}. */
    public boolean isIPv4Mapped() {
        return v6 && high == 0 && (low >>> 32) == 0xffffL;
    }

    /** The IPv4 address an IPv4-mapped address maps; this address otherwise. */
    public IpAddress unmap() {
        return isIPv4Mapped() ? ipv4(low) : this;
    }

    /** 0.0.0.0 or ::. */
    public boolean isUnspecified() {
        return high == 0 && low == 0;
    }

    /** 127.0.0.0/8 or ::1. */
    public boolean isLoopback() {
        return v6 ? high == 0 && low == 1 : (low >>> 24) == 127;
    }

    /** 169.254.0.0/16 or fe80::/10. */
    public boolean isLinkLocalUnicast() {
        return v6 ? (high >>> 54) == (0xfe80L >>> 6) : (low >>> 16) == 0xa9fe;
    }

    /** 224.0.0.0/4 or ff00::/8. */
    public boolean isMulticast() {
        return v6 ? (high >>> 56) == 0xff : (low >>> 28) == 0xe;
    }

    /** The network-order bytes, 4 or 16. */
    public byte[] bytes() {
        byte[] b = new byte[v6 ? 16 : 4];
        if (v6) {
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (high >>> (56 - 8 * i));
                b[8 + i] = (byte) (low >>> (56 - 8 * i));
            }
        } else {
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) (low >>> (24 - 8 * i));
            }
        }
        return b;
    }

    /** The JDK's address for this one (an IPv4-mapped address becomes an Inet4Address there). */
    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length, which cannot happen
        }
    }

    /**
     * This address plus {@code n} (negative to go back); {@link ArithmeticException} when the
     * result leaves the family's address space.
     */
    public IpAddress plus(long n) {
        if (!v6) {
            long v = low + n;
            if (v < 0 || v > 0xffff_ffffL) {
                throw new ArithmeticException("outside the IPv4 address space: " + this + " + " + n);
            }
            return ipv4(v);
        }
        long newLow = low + n;
        long carry;
        if (n >= 0) {
            carry = Long.compareUnsigned(newLow, low) < 0 ? 1 : 0;
        } else {
            carry = Long.compareUnsigned(newLow, low) > 0 ? -1 : 0;
        }
        long newHigh = high + carry;
        if (carry == 1 && high == -1L || carry == -1 && high == 0) {
            throw new ArithmeticException("outside the IPv6 address space: " + this + " + " + n);
        }
        return ipv6(newHigh, newLow);
    }

    /** The next address; {@link ArithmeticException} after the last one. */
    public IpAddress next() {
        return plus(1);
    }

    /** The previous address; {@link ArithmeticException} before the first one. */
    public IpAddress previous() {
        return plus(-1);
    }

    /**
     * How far {@code o} lies after this address ({@code o - this}), for two addresses of one
     * family at most 2^63-1 apart; {@link ArithmeticException} otherwise.
     */
    public long distanceTo(IpAddress o) {
        if (!sameFamily(o)) {
            throw new IllegalArgumentException("different families: " + this + ", " + o);
        }
        long dLow = o.low - low;
        long borrow = Long.compareUnsigned(o.low, low) < 0 ? 1 : 0;
        long dHigh = o.high - high - borrow;
        if (dHigh == 0 && dLow >= 0 || dHigh == -1 && dLow < 0) {
            return dLow;
        }
        throw new ArithmeticException("too far apart: " + this + ", " + o);
    }

    /** IPv4 before IPv6, then by value (unsigned). */
    @Override
    public int compareTo(IpAddress o) {
        if (v6 != o.v6) {
            return v6 ? 1 : -1;
        }
        int c = Long.compareUnsigned(high, o.high);
        return c != 0 ? c : Long.compareUnsigned(low, o.low);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && a.v6 == v6 && a.high == high && a.low == low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high) * 961 + Long.hashCode(low) * 31 + (v6 ? 1 : 0);
    }

    @Override
    public String toString() {
        if (!v6) {
            return dottedQuad(low);
        }
        if (isIPv4Mapped()) {
            return "::ffff:" + dottedQuad(low & 0xffff_ffffL);
        }
        int[] groups = new int[8];
        for (int g = 0; g < 4; g++) {
            groups[g] = (int) (high >>> (48 - 16 * g)) & 0xffff;
            groups[g + 4] = (int) (low >>> (48 - 16 * g)) & 0xffff;
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
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[g]));
        }
        return sb.toString();
    }

    private static String dottedQuad(long v) {
        return ((v >> 24) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 8) & 0xff) + "." + (v & 0xff);
    }
}
