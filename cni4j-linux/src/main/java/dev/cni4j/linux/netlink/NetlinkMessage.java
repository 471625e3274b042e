package dev.cni4j.linux.netlink;

import java.nio.ByteBuffer;

/**
 * Flyweight over one netlink message in a native-order {@link ByteBuffer}.
 *
 * <pre>
 * struct nlmsghdr {             16 bytes
 *   0: u32 nlmsg_len            header + payload, unaligned
 *   4: u16 nlmsg_type
 *   6: u16 nlmsg_flags
 *   8: u32 nlmsg_seq
 *  12: u32 nlmsg_pid            port id
 * }
 * </pre>
 */
public final class NetlinkMessage {
    public static final int HEADER_LENGTH = 16;
    public static final int LEN_OFFSET = 0, TYPE_OFFSET = 4, FLAGS_OFFSET = 6, SEQ_OFFSET = 8, PID_OFFSET = 12;
    public static final int NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    public static final int NLM_F_REQUEST = 0x01,
            NLM_F_MULTI = 0x02,
            NLM_F_ACK = 0x04,
            NLM_F_ECHO = 0x08,
            NLM_F_DUMP_INTR = 0x10;
    /** GET modifiers. */
    public static final int NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = 0x300;
    /** NEW modifiers. */
    public static final int NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
    /** NLMSG_ERROR modifiers. */
    public static final int NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;

    private ByteBuffer buffer;
    private int offset;

    public NetlinkMessage wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Wraps a buffer holding exactly one message at offset 0. */
    public static NetlinkMessage of(ByteBuffer buffer) {
        return new NetlinkMessage().wrap(buffer, 0);
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return buffer.getInt(offset + LEN_OFFSET);
    }

    public int type() {
        return buffer.getShort(offset + TYPE_OFFSET) & 0xffff;
    }

    public int flags() {
        return buffer.getShort(offset + FLAGS_OFFSET) & 0xffff;
    }

    public int seq() {
        return buffer.getInt(offset + SEQ_OFFSET);
    }

    public int portId() {
        return buffer.getInt(offset + PID_OFFSET);
    }

    /** Absolute offset of the payload (the family header). */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Absolute offset just past this message. */
    public int end() {
        return offset + length();
    }

    /**
     * An attribute reader over this message's attributes, which start after a family header of {@code
     * familyHeaderLength}.
     */
    public AttributeReader attributes(int familyHeaderLength) {
        return new AttributeReader().wrap(buffer, payloadOffset() + align(familyHeaderLength), end());
    }

    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
