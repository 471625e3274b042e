package dev.cni4j.linux.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Iterator-flyweight over a run of netlink attributes in a native-order buffer.
 *
 * <pre>
 * struct nlattr {               4 bytes, then payload, padded to 4
 *   0: u16 nla_len              header + payload, unaligned
 *   2: u16 nla_type             bit 15 NLA_F_NESTED, bit 14 NLA_F_NET_BYTEORDER
 * }
 * </pre>
 *
 * Use: {@code while (r.next()) switch (r.type()) { case X -> r.u32(); ... }}. Accessors read the
 * current attribute. Malformed lengths end the iteration with an exception naming the offset.
 */
public final class AttributeReader {
    public static final int NLA_F_NESTED = 0x8000, NLA_F_NET_BYTEORDER = 0x4000, TYPE_MASK = 0x3fff;
    public static final int HEADER_LENGTH = 4;

    private ByteBuffer buffer;
    private int next;
    private int end;
    private int current = -1;

    public AttributeReader wrap(ByteBuffer buffer, int start, int end) {
        this.buffer = buffer;
        this.next = start;
        this.end = end;
        this.current = -1;
        return this;
    }

    /** Advances to the next attribute; false at the end. */
    public boolean next() {
        if (next + HEADER_LENGTH > end) {
            return false;
        }
        int len = buffer.getShort(next) & 0xffff;
        if (len < HEADER_LENGTH || next + len > end) {
            throw new IllegalStateException("malformed netlink attribute at offset " + next + ": nla_len " + len
                    + " exceeds the " + (end - next) + " bytes left");
        }
        current = next;
        next += NetlinkMessage.align(len);
        return true;
    }

    /** Type without the NESTED / NET_BYTEORDER flags. */
    public int type() {
        return buffer.getShort(current + 2) & TYPE_MASK;
    }

    public int payloadLength() {
        return (buffer.getShort(current) & 0xffff) - HEADER_LENGTH;
    }

    public int payloadOffset() {
        return current + HEADER_LENGTH;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int u8() {
        return buffer.get(payloadOffset()) & 0xff;
    }

    public int u16() {
        return buffer.getShort(payloadOffset()) & 0xffff;
    }

    public int u16BigEndian() {
        int p = payloadOffset();
        return (buffer.get(p) & 0xff) << 8 | (buffer.get(p + 1) & 0xff);
    }

    public int u32() {
        return buffer.getInt(payloadOffset());
    }

    public long u64() {
        return buffer.getLong(payloadOffset());
    }

    public byte[] bytes() {
        byte[] b = new byte[payloadLength()];
        buffer.get(payloadOffset(), b);
        return b;
    }

    /** A NUL-terminated (or not) string. */
    public String string() {
        int len = payloadLength();
        int start = payloadOffset();
        int n = 0;
        while (n < len && buffer.get(start + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        buffer.get(start, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** An IPv4 or IPv6 address (4 or 16 bytes). */
    public InetAddress inetAddress() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(
                    "attribute " + type() + " is not an address (" + payloadLength() + " bytes)");
        }
    }

    /** A new reader over the payload of the current (nested) attribute. */
    public AttributeReader nested() {
        return new AttributeReader().wrap(buffer, payloadOffset(), payloadOffset() + payloadLength());
    }
}
