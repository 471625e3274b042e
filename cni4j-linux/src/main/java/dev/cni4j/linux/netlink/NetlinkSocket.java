package dev.cni4j.linux.netlink;

import dev.cni4j.linux.KernelBackground;
import dev.cni4j.linux.KernelCalls;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetlinkChannel;
import dev.cni4j.linux.NetlinkTransport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A netlink socket that does request/reply properly: sequence numbers, port-id checks,
 * NLMSG_ERROR decoding with the kernel's extended-ack text, multi-part dumps until NLMSG_DONE,
 * and retrying dumps the kernel marked NLM_F_DUMP_INTR.
 *
 * <p>A socket opened in a namespace ({@link #open(int, NetNs)}) keeps working on that namespace
 * from any thread. Calls are serialised; one request is in flight at a time.
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final int MAX_DUMP_ATTEMPTS = 10;
    private static final int NLMSGERR_ATTR_MSG = 1;

    private static final int RECEIVE_BUFFER_SIZE = 64 * 1024;
    /** Receive buffers outlive sockets (a plugin call opens ~10): 64 KiB zeroed per socket showed in profiles. */
    private static final BlockingQueue<byte[]> SPARE_BUFFERS = new ArrayBlockingQueue<>(16);

    private final NetlinkTransport channel;
    private byte[] receiveBuffer; // taken at the first exchange, given back by close
    private ByteBuffer received;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private String profileSuffix = ""; // how KernelCalls tells this socket's calls apart

    /** A socket over any transport; production code uses {@link #open}. */
    public NetlinkSocket(NetlinkTransport channel) {
        this.channel = channel;
        try {
            // extended ack: errors carry the kernel's text; cap ack: errors do not echo our request
            channel.setOption(NetlinkChannel.SOL_NETLINK, NetlinkChannel.NETLINK_EXT_ACK, 1);
            channel.setOption(NetlinkChannel.SOL_NETLINK, NetlinkChannel.NETLINK_CAP_ACK, 1);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Opens a socket of {@code protocol} (e.g. {@link NetlinkChannel#NETLINK_ROUTE}) in the calling thread's namespace.
     */
    public static NetlinkSocket open(int protocol) {
        return new NetlinkSocket(NetlinkChannel.open(protocol));
    }

    /** Opens a socket bound to {@code ns}. */
    public static NetlinkSocket open(int protocol, NetNs ns) {
        return new NetlinkSocket(NetlinkChannel.open(protocol, ns));
    }

    /**
     * A new socket of {@code protocol} bound to the same namespace as this one (see
     * {@link NetlinkChannel#sibling}), for work that must not wait behind this socket's calls.
     *
     * @throws UnsupportedOperationException over a transport that is not a kernel channel (tests)
     */
    public NetlinkSocket sibling(int protocol) {
        if (!(channel instanceof NetlinkChannel c)) {
            throw new UnsupportedOperationException(
                    "no sibling of a " + channel.getClass().getSimpleName());
        }
        NetlinkSocket s = new NetlinkSocket(c.sibling(protocol));
        s.profileSuffix = KernelCalls.BACKGROUND;
        return s;
    }

    public int portId() {
        return channel.portId();
    }

    /**
     * Sends {@code request} with NLM_F_ACK and waits for the kernel's acknowledgement.
     *
     * @param what describes the operation for error messages, e.g. "add link veth0"
     * @throws NetlinkException if the kernel answers with an error
     */
    public void execute(MessageBuilder request, String what) {
        request.flags(request.flags() | NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_ACK);
        transact(request, what);
    }

    /**
     * Sends a request and returns every reply message (not NLMSG_DONE / the ack), each in its own
     * native-order buffer starting at its nlmsghdr. Dumps ({@code NLM_F_DUMP}) are read until
     * NLMSG_DONE and retried when interrupted; a plain GET returns its single reply.
     */
    public synchronized List<ByteBuffer> transact(MessageBuilder request, String what) {
        int flags = request.flags() | NetlinkMessage.NLM_F_REQUEST;
        request.flags(flags);
        boolean dump = (flags & NetlinkMessage.NLM_F_DUMP) == NetlinkMessage.NLM_F_DUMP && isGet(request.type());
        boolean ack = (flags & NetlinkMessage.NLM_F_ACK) != 0;
        for (int attempt = 1; ; attempt++) {
            List<ByteBuffer> replies = new ArrayList<>();
            long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
            boolean interrupted;
            try {
                interrupted = exchange(request, what, dump, ack, replies);
            } finally {
                if (t0 != 0) {
                    KernelCalls.record(
                            KernelCalls.netlinkName(request.type(), flags) + profileSuffix, System.nanoTime() - t0);
                }
            }
            if (!interrupted) {
                return replies;
            }
            if (attempt == MAX_DUMP_ATTEMPTS) {
                throw new NetlinkException(
                        LinuxException.EINTR, what, "dump interrupted " + attempt + " times in a row");
            }
        }
    }

    /** GET requests have type % 4 == 2 in rtnetlink; NLM_F_DUMP means something else on NEW/DEL. */
    private static boolean isGet(int type) {
        return type < 16 || (type & 3) == 2;
    }

    private boolean exchange(MessageBuilder request, String what, boolean dump, boolean ack, List<ByteBuffer> replies) {
        int mySeq = ++seq;
        int myPort = channel.portId();
        request.seq(mySeq).portId(0);
        if (receiveBuffer == null) {
            byte[] spare = SPARE_BUFFERS.poll();
            receiveBuffer = spare != null ? spare : new byte[RECEIVE_BUFFER_SIZE];
            received = ByteBuffer.wrap(receiveBuffer).order(ByteOrder.nativeOrder());
        }
        channel.send(request.array(), request.length());
        boolean interrupted = false;
        while (true) {
            int n = channel.receive(receiveBuffer);
            int off = 0;
            while (off + NetlinkMessage.HEADER_LENGTH <= n) {
                int len = received.getInt(off);
                if (len < NetlinkMessage.HEADER_LENGTH || off + len > n) {
                    throw new NetlinkException(
                            LinuxException.EIO, what, "malformed reply: nlmsg_len " + len + " at " + off);
                }
                int type = received.getShort(off + NetlinkMessage.TYPE_OFFSET) & 0xffff;
                int mflags = received.getShort(off + NetlinkMessage.FLAGS_OFFSET) & 0xffff;
                int mseq = received.getInt(off + NetlinkMessage.SEQ_OFFSET);
                int mport = received.getInt(off + NetlinkMessage.PID_OFFSET);
                int next = off + NetlinkMessage.align(len);
                if (mseq != mySeq || mport != myPort) { // a late reply to an earlier request
                    off = next;
                    continue;
                }
                if ((mflags & NetlinkMessage.NLM_F_DUMP_INTR) != 0) {
                    interrupted = true;
                }
                switch (type) {
                    case NetlinkMessage.NLMSG_ERROR -> {
                        int error = received.getInt(off + NetlinkMessage.HEADER_LENGTH);
                        if (error != 0) {
                            throw decodeError(received, off, what);
                        }
                        return interrupted; // the ack
                    }
                    case NetlinkMessage.NLMSG_DONE -> {
                        int error = len >= NetlinkMessage.HEADER_LENGTH + 4
                                ? received.getInt(off + NetlinkMessage.HEADER_LENGTH)
                                : 0;
                        if (error < 0) {
                            throw decodeError(received, off, what);
                        }
                        if (!ack) {
                            return interrupted;
                        }
                    }
                    case NetlinkMessage.NLMSG_NOOP -> {}
                    default -> {
                        replies.add(ByteBuffer.wrap(Arrays.copyOfRange(receiveBuffer, off, off + len))
                                .order(ByteOrder.nativeOrder()));
                        if (!dump && !ack && (mflags & NetlinkMessage.NLM_F_MULTI) == 0) {
                            return interrupted;
                        }
                    }
                }
                off = next;
            }
        }
    }

    /**
     * Decodes an NLMSG_ERROR (or an NLMSG_DONE carrying an error) at {@code off} into an exception.
     * <pre>
     * NLMSG_ERROR payload: 0: s32 error (negative errno); 4: struct nlmsghdr of the request
     *                      (+ its body unless NLM_F_CAPPED)
     * NLMSG_DONE payload:  0: s32 error
     * then, with NLM_F_ACK_TLVS: attributes NLMSGERR_ATTR_MSG (string), _OFFS (u32), ...
     * </pre>
     */
    static NetlinkException decodeError(ByteBuffer b, int off, String what) {
        NetlinkMessage m = new NetlinkMessage().wrap(b, off);
        int errno = -b.getInt(m.payloadOffset());
        int flags = m.flags();
        String text = null;
        if ((flags & NetlinkMessage.NLM_F_ACK_TLVS) != 0) {
            int tlvStart = m.payloadOffset() + 4;
            if (m.type() == NetlinkMessage.NLMSG_ERROR) {
                int echoed = (flags & NetlinkMessage.NLM_F_CAPPED) != 0
                        ? NetlinkMessage.HEADER_LENGTH
                        : b.getInt(tlvStart + NetlinkMessage.LEN_OFFSET);
                tlvStart += NetlinkMessage.align(echoed);
            }
            AttributeReader r = new AttributeReader().wrap(b, tlvStart, m.end());
            while (r.next()) {
                if (r.type() == NLMSGERR_ATTR_MSG) {
                    text = r.string();
                }
            }
        }
        return new NetlinkException(errno, what, text);
    }

    /** Closes the socket; waits for a call in flight on another thread (its buffers are reused). */
    @Override
    public synchronized void close() {
        long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
        channel.close();
        byte[] spare = receiveBuffer;
        receiveBuffer = null;
        received = null;
        if (spare != null) {
            SPARE_BUFFERS.offer(spare); // kept unless 16 are; old bytes do not matter: receive overwrites them
        }
        if (t0 != 0) {
            KernelCalls.record("netlink socket close" + profileSuffix, System.nanoTime() - t0);
        }
    }

    /**
     * Closes the socket on a background thread. Closing a NETLINK_NETFILTER socket runs nf_tables'
     * release notifier, which first flushes its pending destroy work, and that waits for an RCU
     * grace period (5-10 ms) whenever a transaction just deleted rules or elements, as every DEL's
     * does. Nothing waits for that close; a process that exits meanwhile still completes it.
     */
    public void closeDetached() {
        profileSuffix = KernelCalls.BACKGROUND;
        KernelBackground.run(this::close);
    }
}
