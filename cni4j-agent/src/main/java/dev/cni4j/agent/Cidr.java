package dev.cni4j.agent;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP network such as 10.244.1.0/24 (host bits cleared on parse).
 *
 * @param network      the network address
 * @param prefixLength 0-32 or 0-128
 */
public record Cidr(InetAddress network, int prefixLength) {

    /** Parses "10.244.1.0/24"; host bits are cleared. Only literal addresses (no DNS). */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("not a CIDR (no /prefix): \"" + text + "\"");
        String addr = text.substring(0, slash).trim();
        if (!addr.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not an IP address: \"" + text + "\"");
        byte[] b = address(addr).getAddress();
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
        }
        if (prefix < 0 || prefix > b.length * 8) throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - keep));
        }
        return new Cidr(byBytes(b), prefix);
    }

    public boolean isIPv4() {
        return network instanceof Inet4Address;
    }

    /** Whether {@code a} lies in this network. */
    public boolean contains(InetAddress a) {
        if (a.getAddress().length != network.getAddress().length) return false;
        return Cidr.parse(a.getHostAddress() + "/" + prefixLength).network.equals(network);
    }

    /** Whether the two networks share an address (one contains the other). */
    public boolean overlaps(Cidr o) {
        if (isIPv4() != o.isIPv4()) return false;
        return prefixLength <= o.prefixLength ? contains(o.network) : o.contains(network);
    }

    /** Whether every address of {@code o} lies in this network. */
    public boolean encloses(Cidr o) {
        return prefixLength <= o.prefixLength && contains(o.network);
    }

    /** The address {@code n} after the network address (0 = the network address itself). */
    public InetAddress addressAt(long n) {
        BigInteger v = new BigInteger(1, network.getAddress()).add(BigInteger.valueOf(n));
        byte[] raw = v.toByteArray();
        byte[] b = new byte[network.getAddress().length];
        int copy = Math.min(raw.length, b.length);
        System.arraycopy(raw, raw.length - copy, b, b.length - copy, copy);
        return byBytes(b);
    }

    @Override
    public String toString() {
        return text(network) + "/" + prefixLength;
    }

    /** An address as text; IPv6 in the RFC 5952 short form ("fd00::1", not the JDK's "fd00:0:0:0:0:0:0:1"). */
    static String text(InetAddress a) {
        if (isV4(a)) return a.getHostAddress();
        byte[] b = a.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 1; // only runs of two or more zero words are shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') s.append(':');
            s.append(Integer.toHexString(w[i]));
        }
        return s.toString();
    }

    private static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address: \"" + literal + "\"");
        }
    }

    private static InetAddress byBytes(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
