package dev.cni4j.linux.netlink;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.NetlinkTransport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The NetlinkSocket receive loop against a scripted fake kernel. */
class ReceiveLoopTest {
    static final int PORT = 4242;

    /** Replies are produced per request from its seq, so they can be made to match or not. */
    static final class FakeKernel implements NetlinkTransport {
        final Deque<IntFunction<List<byte[]>>> script = new ArrayDeque<>();
        final Deque<byte[]> pending = new ArrayDeque<>();
        final List<byte[]> sent = new ArrayList<>();

        @Override
        public int portId() {
            return PORT;
        }

        @Override
        public void setOption(int level, int option, int value) {}

        @Override
        public void close() {}

        @Override
        public void send(byte[] message, int length) {
            byte[] copy = java.util.Arrays.copyOf(message, length);
            sent.add(copy);
            int seq = ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()).getInt(8);
            pending.addAll(script.removeFirst().apply(seq));
        }

        @Override
        public int receive(byte[] into) {
            byte[] d = pending.removeFirst();
            System.arraycopy(d, 0, into, 0, d.length);
            return d.length;
        }
    }

    /** One datagram holding the given messages. */
    static byte[] datagram(byte[]... messages) {
        int n = 0;
        for (byte[] m : messages) {
            n += NetlinkMessage.align(m.length);
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] m : messages) {
            b.put(m).position(NetlinkMessage.align(b.position()));
        }
        return b.array();
    }

    static byte[] msg(int type, int flags, int seq, int port, int payloadInt) {
        return new MessageBuilder(type, flags)
                .u32(payloadInt)
                .seq(seq)
                .portId(port)
                .toBytes();
    }

    @Test
    void dumpCollectsMultipartUntilDoneAndSkipsStaleReplies() {
        FakeKernel k = new FakeKernel();
        k.script.add(seq -> List.of(
                datagram(
                        msg(16, NetlinkMessage.NLM_F_MULTI, seq - 1, PORT, 99), // late reply to an older request
                        msg(16, NetlinkMessage.NLM_F_MULTI, seq, PORT, 1),
                        msg(16, NetlinkMessage.NLM_F_MULTI, seq, PORT + 1, 98)), // someone else's port
                datagram(
                        msg(16, NetlinkMessage.NLM_F_MULTI, seq, PORT, 2),
                        msg(NetlinkMessage.NLMSG_DONE, NetlinkMessage.NLM_F_MULTI, seq, PORT, 0))));
        NetlinkSocket s = new NetlinkSocket(k);
        List<ByteBuffer> replies = s.transact(new MessageBuilder(18, NetlinkMessage.NLM_F_DUMP), "dump");
        assertEquals(2, replies.size());
        assertEquals(1, replies.get(0).getInt(16));
        assertEquals(2, replies.get(1).getInt(16));
        assertEquals(
                NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_DUMP,
                ByteBuffer.wrap(k.sent.get(0)).order(ByteOrder.nativeOrder()).getShort(6));
    }

    @Test
    void interruptedDumpIsRetried() {
        FakeKernel k = new FakeKernel();
        k.script.add(seq -> List.of(datagram(
                msg(16, NetlinkMessage.NLM_F_MULTI | NetlinkMessage.NLM_F_DUMP_INTR, seq, PORT, 1),
                msg(
                        NetlinkMessage.NLMSG_DONE,
                        NetlinkMessage.NLM_F_MULTI | NetlinkMessage.NLM_F_DUMP_INTR,
                        seq,
                        PORT,
                        0))));
        k.script.add(seq -> List.of(datagram(
                msg(16, NetlinkMessage.NLM_F_MULTI, seq, PORT, 7),
                msg(NetlinkMessage.NLMSG_DONE, NetlinkMessage.NLM_F_MULTI, seq, PORT, 0))));
        List<ByteBuffer> replies =
                new NetlinkSocket(k).transact(new MessageBuilder(18, NetlinkMessage.NLM_F_DUMP), "dump");
        assertEquals(2, k.sent.size(), "sent twice");
        assertEquals(1, replies.size());
        assertEquals(7, replies.get(0).getInt(16));
    }

    @Test
    void ackAndErrorWithExtendedAck() {
        FakeKernel k = new FakeKernel();
        k.script.add(seq -> List.of(datagram(msg(NetlinkMessage.NLMSG_ERROR, 0, seq, PORT, 0))));
        k.script.add(seq -> {
            MessageBuilder e = new MessageBuilder(
                            NetlinkMessage.NLMSG_ERROR, NetlinkMessage.NLM_F_CAPPED | NetlinkMessage.NLM_F_ACK_TLVS)
                    .u32(-17)
                    .zeros(16)
                    .attrString(1, "Address already assigned")
                    .seq(seq)
                    .portId(PORT);
            return List.of(datagram(e.toBytes()));
        });
        NetlinkSocket s = new NetlinkSocket(k);
        s.execute(new MessageBuilder(20, 0), "first");
        NetlinkException e =
                assertThrows(NetlinkException.class, () -> s.execute(new MessageBuilder(20, 0), "add address"));
        assertEquals(17, e.errno());
        assertEquals("Address already assigned", e.extAck());
        assertEquals("add address: EEXIST (File exists): Address already assigned", e.getMessage());
    }

    @Test
    void plainGetEndsAtTheSingleReply() {
        FakeKernel k = new FakeKernel();
        k.script.add(seq -> List.of(datagram(msg(16, 0, seq, PORT, 5))));
        List<ByteBuffer> r = new NetlinkSocket(k).transact(new MessageBuilder(18, 0), "get");
        assertEquals(1, r.size());
        assertEquals(5, r.get(0).getInt(16));
    }
}
