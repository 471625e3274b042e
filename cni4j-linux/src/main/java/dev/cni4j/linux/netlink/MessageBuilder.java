package dev.cni4j.linux.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one netlink request: nlmsghdr, a family header written field by field, then attributes
 * (4-byte aligned, nested attributes with their length patched on {@link #endNested}).
 *
 * <pre>{@code
 * MessageBuilder m = new MessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
 * m.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0);       // struct ifinfomsg
 * m.attrString(IFLA_IFNAME, "br0");
 * int info = m.beginNested(IFLA_LINKINFO);
 * m.attrString(IFLA_INFO_KIND, "bridge");
 * m.endNested(info);
 * }</pre>
 *
 * Integers are in native byte order except the {@code ...BigEndian} variants (ports, ...).
 * nlmsg_len is kept current; seq and pid are set by the socket before sending.
 */
public final class MessageBuilder {
    private byte[] bytes = new byte[256];
    private ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    private int pos;

    public MessageBuilder(int type, int flags) {
        buf.putInt(0, NetlinkMessage.HEADER_LENGTH);
        buf.putShort(NetlinkMessage.TYPE_OFFSET, (short) type);
        buf.putShort(NetlinkMessage.FLAGS_OFFSET, (short) flags);
        pos = NetlinkMessage.HEADER_LENGTH;
    }

    public int type() {
        return buf.getShort(NetlinkMessage.TYPE_OFFSET) & 0xffff;
    }

    public int flags() {
        return buf.getShort(NetlinkMessage.FLAGS_OFFSET) & 0xffff;
    }

    public MessageBuilder flags(int flags) {
        buf.putShort(NetlinkMessage.FLAGS_OFFSET, (short) flags);
        return this;
    }

    public MessageBuilder seq(int seq) {
        buf.putInt(NetlinkMessage.SEQ_OFFSET, seq);
        return this;
    }

    public MessageBuilder portId(int pid) {
        buf.putInt(NetlinkMessage.PID_OFFSET, pid);
        return this;
    }

    /** Current message length (nlmsg_len). */
    public int length() {
        return pos;
    }

    /** The backing array; valid up to {@link #length()}. */
    public byte[] array() {
        return bytes;
    }

    /** A copy of the message bytes. */
    public byte[] toBytes() {
        return Arrays.copyOf(bytes, pos);
    }

    // ---- raw fields (family headers, struct payloads)

    public MessageBuilder u8(int v) {
        ensure(1);
        buf.put(pos++, (byte) v);
        return commit();
    }

    public MessageBuilder u16(int v) {
        ensure(2);
        buf.putShort(pos, (short) v);
        pos += 2;
        return commit();
    }

    public MessageBuilder u32(int v) {
        ensure(4);
        buf.putInt(pos, v);
        pos += 4;
        return commit();
    }

    public MessageBuilder u64(long v) {
        ensure(8);
        buf.putLong(pos, v);
        pos += 8;
        return commit();
    }

    public MessageBuilder bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, pos, b.length);
        pos += b.length;
        return commit();
    }

    public MessageBuilder zeros(int n) {
        ensure(n);
        Arrays.fill(bytes, pos, pos + n, (byte) 0);
        pos += n;
        return commit();
    }

    /** Pads with zeros to the next 4-byte boundary. */
    public MessageBuilder align() {
        return zeros(NetlinkMessage.align(pos) - pos);
    }

    // ---- attributes

    private MessageBuilder header(int type, int payloadLength) {
        align();
        ensure(AttributeReader.HEADER_LENGTH);
        buf.putShort(pos, (short) (AttributeReader.HEADER_LENGTH + payloadLength));
        buf.putShort(pos + 2, (short) type);
        pos += AttributeReader.HEADER_LENGTH;
        return commit();
    }

    public MessageBuilder attr(int type, byte[] payload) {
        return header(type, payload.length).bytes(payload).align();
    }

    public MessageBuilder attrFlag(int type) {
        return header(type, 0).commit();
    }

    public MessageBuilder attrU8(int type, int v) {
        return header(type, 1).u8(v).align();
    }

    public MessageBuilder attrU16(int type, int v) {
        return header(type, 2).u16(v).align();
    }

    public MessageBuilder attrU16BigEndian(int type, int v) {
        return header(type, 2).u8(v >>> 8).u8(v).align();
    }

    public MessageBuilder attrU32(int type, int v) {
        return header(type, 4).u32(v);
    }

    public MessageBuilder attrU64(int type, long v) {
        return header(type, 8).u64(v);
    }

    /** A NUL-terminated string, as the kernel's NLA_STRING / NLA_NUL_STRING expect. */
    public MessageBuilder attrString(int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return header(type, b.length + 1).bytes(b).u8(0).align();
    }

    /** A string without the terminating NUL, as iproute2 sends IFLA_INFO_KIND. */
    public MessageBuilder attrStringUnterminated(int type, String s) {
        return attr(type, s.getBytes(StandardCharsets.UTF_8));
    }

    /** The raw 4 or 16 bytes of an address. */
    public MessageBuilder attrAddress(int type, InetAddress a) {
        return attr(type, a.getAddress());
    }

    /** Starts a nested attribute; pass the returned token to {@link #endNested}. */
    public int beginNested(int type) {
        align();
        int start = pos;
        header(type, 0);
        return start;
    }

    /** Patches the nested attribute's length to cover everything added since {@link #beginNested}. */
    public MessageBuilder endNested(int start) {
        buf.putShort(start, (short) (pos - start));
        return this;
    }

    private MessageBuilder commit() {
        buf.putInt(0, pos);
        return this;
    }

    private void ensure(int n) {
        if (pos + n <= bytes.length) {
            return;
        }
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, pos + n));
        buf = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }
}
