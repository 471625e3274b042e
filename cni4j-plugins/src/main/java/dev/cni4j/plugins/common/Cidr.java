package dev.cni4j.plugins.common;

import dev.cni4j.spec.CniException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An address with a prefix length, such as {@code 10.1.0.5/16}, parsed without DNS.
 * {@link #network()} clears the host bits; {@link #contains} tests membership.
 */
public record Cidr(InetAddress address, int prefixLength) {

    public Cidr {
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + address.getHostAddress());
        }
    }

    /** Parses {@code a.b.c.d/n} or {@code x::y/n}; a config error (code 7) naming {@code what} when malformed. */
    public static Cidr parse(String text, String what) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0) {
            throw CniException.invalidConfig("invalid " + what + " \"" + text + "\": expected address/prefix");
        }
        try {
            InetAddress a = InetAddress.ofLiteral(text.substring(0, slash));
            return new Cidr(a, Integer.parseInt(text.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            throw CniException.invalidConfig("invalid " + what + " \"" + text + "\": " + e.getMessage());
        }
    }

    /** Parses a bare address literal; a config error naming {@code what} when malformed. */
    public static InetAddress parseAddress(String text, String what) {
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw CniException.invalidConfig("invalid " + what + " \"" + text + "\"");
        }
    }

    public boolean isIPv4() {
        return address instanceof Inet4Address;
    }

    public int bits() {
        return isIPv4() ? 32 : 128;
    }

    /** The network address (host bits cleared) with the same prefix. */
    public Cidr network() {
        return new Cidr(fromBig(toBig(address).and(mask()), bits()), prefixLength);
    }

    /** The {@code n}th address of this network (0 = network address). */
    public InetAddress nth(long n) {
        return fromBig(toBig(network().address).add(BigInteger.valueOf(n)), bits());
    }

    public boolean contains(InetAddress other) {
        if ((other instanceof Inet4Address) != isIPv4()) {
            return false;
        }
        return toBig(other).and(mask()).equals(toBig(address).and(mask()));
    }

    /** True when the two networks share an address. */
    public boolean overlaps(Cidr other) {
        return other.isIPv4() == isIPv4() && (contains(other.address) || other.contains(address));
    }

    private BigInteger mask() {
        BigInteger all = BigInteger.ONE.shiftLeft(bits()).subtract(BigInteger.ONE);
        return all.shiftRight(bits() - prefixLength).shiftLeft(bits() - prefixLength);
    }

    static BigInteger toBig(InetAddress a) {
        return new BigInteger(1, a.getAddress());
    }

    static InetAddress fromBig(BigInteger v, int bits) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[bits / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        try {
            return InetAddress.getByAddress(out);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The canonical text, e.g. {@code 10.1.0.5/16} or {@code 2001:db8::5/64}. */
    @Override
    public String toString() {
        return IpText.of(address) + "/" + prefixLength;
    }
}
