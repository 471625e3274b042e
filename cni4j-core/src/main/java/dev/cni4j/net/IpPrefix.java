package dev.cni4j.net;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An address with a prefix length, as in {@code 10.1.2.3/24}, strict like Go's
 * {@code netip.Prefix}. The address is kept as written (like CNI's {@code types.ParseCIDR}, where
 * {@code 10.1.2.3/24} is an interface address in that network); {@link #masked()} gives the
 * network itself. Containment and overlap compare networks of one family only.
 *
 * @param address the address as written
 * @param length  0-32 for IPv4, 0-128 for IPv6
 */
public record IpPrefix(IpAddress address, int length) implements Iterable<IpAddress> {

    public IpPrefix {
        if (length < 0 || length > address.bitLength()) {
            throw new IllegalArgumentException("prefix length " + length + " out of range for " + address);
        }
    }

    /** Parses {@code address/length}; {@link IllegalArgumentException} naming the text when malformed. */
    public static IpPrefix parse(String text) {
        IpPrefix p = tryParse(text);
        if (p == null) {
            throw new IllegalArgumentException("not an IP prefix (address/length): \"" + text + "\"");
        }
        return p;
    }

    /** Parses {@code address/length} (decimal length, no sign, no leading zeros), or returns null. */
    public static IpPrefix tryParse(String text) {
        if (text == null) {
            return null;
        }
        int slash = text.indexOf('/');
        if (slash < 0 || slash == text.length() - 1 || text.length() - slash > 4) {
            return null;
        }
        IpAddress a = IpAddress.tryParse(text.substring(0, slash));
        if (a == null) {
            return null;
        }
        int length = 0;
        for (int i = slash + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9' || (c == '0' && i == slash + 1 && i < text.length() - 1)) {
                return null;
            }
            length = length * 10 + (c - '0');
        }
        return length > a.bitLength() ? null : new IpPrefix(a, length);
    }

    /** The prefix of exactly one address (/32 or /128). */
    public static IpPrefix single(IpAddress a) {
        return new IpPrefix(a, a.bitLength());
    }

    public boolean isIPv4() {
        return address.isIPv4();
    }

    public boolean isIPv6() {
        return address.isIPv6();
    }

    /**
     * Whether this is IPv4-mapped IPv6 text for an IPv4 network ({@code ::ffff:10.0.0.0/104}): the
     * address is IPv4-mapped and the length covers the mapping's 96 bits. Go's {@code ParseCIDR}
     * reads such text as the IPv4 network; here it stays IPv6, and callers that read configs can
     * name the IPv4 network the writer meant ({@link #unmap()}).
     */
    public boolean isIPv4Mapped() {
        return address.isIPv4Mapped() && length >= 96;
    }

    /**
     * The IPv4 prefix an IPv4-mapped one stands for ({@code ::ffff:10.0.0.0/104}: {@code 10.0.0.0/8}); this prefix
     * otherwise.
     */
    public IpPrefix unmap() {
        return isIPv4Mapped() ? new IpPrefix(address.unmap(), length - 96) : this;
    }

    /** The network: the address with its host bits cleared, same length. */
    public IpPrefix masked() {
        IpAddress n = network();
        return n.equals(address) ? this : new IpPrefix(n, length);
    }

    /** Whether the address is the network address (no host bits set). */
    public boolean isMasked() {
        return network().equals(address);
    }

    /** The first address of the network. */
    public IpAddress network() {
        return withHostBits(false);
    }

    /** The last address of the network (for IPv4 the broadcast address). */
    public IpAddress lastAddress() {
        return withHostBits(true);
    }

    private IpAddress withHostBits(boolean set) {
        if (address.isIPv4()) {
            long host = length == 32 ? 0 : (0xffff_ffffL >>> length);
            long v = set ? address.low() | host : address.low() & ~host;
            return IpAddress.ipv4(v);
        }
        long hostHigh = length >= 64 ? 0 : (length == 0 ? -1L : -1L >>> length);
        long hostLow = length >= 128 ? 0 : (length <= 64 ? -1L : -1L >>> (length - 64));
        return set
                ? IpAddress.ipv6(address.high() | hostHigh, address.low() | hostLow)
                : IpAddress.ipv6(address.high() & ~hostHigh, address.low() & ~hostLow);
    }

    /** Whether {@code a} lies in this network (never across families). */
    public boolean contains(IpAddress a) {
        return a.sameFamily(address) && new IpPrefix(a, length).network().equals(network());
    }

    /** Whether every address of {@code o} lies in this network. */
    public boolean contains(IpPrefix o) {
        return o.address.sameFamily(address) && length <= o.length && contains(o.address);
    }

    /** Whether the two networks share an address (one then contains the other). */
    public boolean overlaps(IpPrefix o) {
        return o.address.sameFamily(address) && (length <= o.length ? contains(o.address) : o.contains(address));
    }

    /** How many addresses the network has, or {@link Long#MAX_VALUE} when that is 2^63 or more. */
    public long size() {
        int hostBits = address.bitLength() - length;
        return hostBits >= 63 ? Long.MAX_VALUE : 1L << hostBits;
    }

    /** The {@code n}th address of the network (0 = the network address); n must be below {@link #size()}. */
    public IpAddress nth(long n) {
        if (n < 0 || n >= size()) {
            throw new IndexOutOfBoundsException("no address " + n + " in " + masked());
        }
        return network().plus(n);
    }

    /** The addresses of the network, first to last. */
    @Override
    public Iterator<IpAddress> iterator() {
        IpAddress last = lastAddress();
        return new Iterator<>() {
            private IpAddress next = network();

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public IpAddress next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                IpAddress a = next;
                next = a.equals(last) ? null : a.next();
                return a;
            }
        };
    }

    /** The canonical text: the address as written, then the length ({@code 2001:db8::5/64}). */
    @Override
    public String toString() {
        return address + "/" + length;
    }
}
