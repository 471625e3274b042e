package dev.cni4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The raw transport under {@code dev.cni4j.linux.netlink.NetlinkSocket}: an AF_NETLINK datagram
 * socket that sends and receives whole byte arrays. Framing, sequence numbers and errors are the
 * caller's job.
 *
 * <pre>
 * struct sockaddr_nl {          12 bytes
 *   0: u16 nl_family            AF_NETLINK = 16
 *   2: u16 nl_pad
 *   4: u32 nl_pid               port id, 0 = kernel / let the kernel choose
 *   8: u32 nl_groups
 * }
 * </pre>
 *
 * A channel opened inside a namespace ({@link #open(int, NetNs)}) stays bound to it and can be
 * used from any thread. Not thread-safe.
 */
public final class NetlinkChannel implements NetlinkTransport {
    public static final int NETLINK_ROUTE = 0;
    /** nfnetlink: conntrack (NFNL_SUBSYS_CTNETLINK), nftables, ... */
    public static final int NETLINK_NETFILTER = 12;

    public static final int SOL_NETLINK = 270;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;
    public static final int NETLINK_GET_STRICT_CHK = 12;

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3, SOCK_CLOEXEC = 02000000;
    private static final int MSG_TRUNC = 0x20;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    private static final int SIOCGSKNS = 0x894C; // the socket's network namespace, as an fd
    private static final long DEFAULT_RECEIVE_TIMEOUT_MILLIS = 30_000;
    private static final int SOCKADDR_NL_SIZE = 12;
    private static final int RECEIVE_BUFFER = 64 * 1024; // a dump skb is at most 32 KiB

    /**
     * Native memory of one channel, in one slab: receive buffer, send buffer, a scratch area for
     * socket addresses and options. Slabs are pooled (global arena, never freed; the pool holds
     * at most as many as sockets were ever open at once): a shared arena per channel would make
     * every close handshake with all JVM threads (measured 1-6 ms per socket closed in the busy
     * daemon), and an automatic one would leave 68 KiB per socket to the garbage collector.
     */
    private static final long SEND_BUFFER = 4096, SCRATCH = 64;

    private static final long SLAB = RECEIVE_BUFFER + SEND_BUFFER + SCRATCH;
    private static final ConcurrentLinkedQueue<MemorySegment> SLABS = new ConcurrentLinkedQueue<>();

    private final MemorySegment slab = takeSlab();
    private final MemorySegment receiveBuffer = slab.asSlice(0, RECEIVE_BUFFER);
    private final MemorySegment scratch = slab.asSlice(RECEIVE_BUFFER + SEND_BUFFER, SCRATCH);
    private final MemorySegment kernelAddress = scratch.asSlice(0, SOCKADDR_NL_SIZE);
    private MemorySegment sendBuffer = slab.asSlice(RECEIVE_BUFFER, SEND_BUFFER);
    private final int portId;
    private int fd;

    private NetlinkChannel(int fd) {
        this.fd = fd;
        scratch.fill((byte) 0); // a pooled slab holds the last channel's bytes
        kernelAddress.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
        try {
            MemorySegment addr = scratch.asSlice(16, SOCKADDR_NL_SIZE);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
            Native.call("bind netlink", Native.SYS_BIND, fd, addr.address(), SOCKADDR_NL_SIZE);
            MemorySegment len = scratch.asSlice(32, 4);
            len.set(ValueLayout.JAVA_INT, 0, SOCKADDR_NL_SIZE);
            Native.call("getsockname netlink", Native.SYS_GETSOCKNAME, fd, addr.address(), len.address());
            this.portId = addr.get(ValueLayout.JAVA_INT, 4);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens a netlink socket of {@code protocol} in the calling thread's network namespace. */
    public static NetlinkChannel open(int protocol) {
        long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
        try {
            return openHere(protocol);
        } finally {
            if (t0 != 0) {
                KernelCalls.record("netlink socket open", System.nanoTime() - t0);
            }
        }
    }

    private static NetlinkChannel openHere(int protocol) {
        int fd = (int)
                Native.call("socket(AF_NETLINK)", Native.SYS_SOCKET, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        NetlinkChannel c = new NetlinkChannel(fd);
        try {
            c.setReceiveTimeout(DEFAULT_RECEIVE_TIMEOUT_MILLIS);
        } catch (RuntimeException e) {
            c.close(); // the fd and the slab
            throw e;
        }
        return c;
    }

    /**
     * SO_RCVTIMEO: a receive that waits longer fails with EAGAIN instead of hanging the plugin
     * (the kernel always answers a request; this guards against bugs and lost datagrams).
     */
    public void setReceiveTimeout(long millis) {
        MemorySegment tv = scratch.asSlice(16, 16); // struct timeval { long tv_sec; long tv_usec; }
        tv.set(ValueLayout.JAVA_LONG, 0, millis / 1000);
        tv.set(ValueLayout.JAVA_LONG, 8, (millis % 1000) * 1000);
        Native.call(
                "setsockopt SO_RCVTIMEO", Native.SYS_SETSOCKOPT, fd(), SOL_SOCKET, SO_RCVTIMEO, tv.address(), 16, 0);
    }

    /** Opens a netlink socket bound to {@code ns} (created on a thread inside it). */
    public static NetlinkChannel open(int protocol, NetNs ns) {
        return ns.run(() -> open(protocol));
    }

    /**
     * A new channel of {@code protocol} in the namespace this one is bound to, whichever thread
     * asks: the namespace comes from the socket itself (ioctl SIOCGSKNS), so it is exact even when
     * the caller's thread is elsewhere or the namespace's path is gone.
     */
    public NetlinkChannel sibling(int protocol) {
        int nsFd = (int) Native.call("ioctl SIOCGSKNS", Native.SYS_IOCTL, fd(), SIOCGSKNS, 0);
        try (NetNs ns = NetNs.ofFd(nsFd, "socket namespace")) {
            return open(protocol, ns);
        }
    }

    /** The port id the kernel assigned at bind; replies carry it in nlmsg_pid. */
    @Override
    public int portId() {
        return portId;
    }

    /** setsockopt with an int value. */
    @Override
    public void setOption(int level, int option, int value) {
        MemorySegment v = scratch.asSlice(32, 4);
        v.set(ValueLayout.JAVA_INT, 0, value);
        Native.call(
                "setsockopt " + level + "/" + option, Native.SYS_SETSOCKOPT, fd(), level, option, v.address(), 4, 0);
    }

    /** Sends one datagram of {@code length} bytes to the kernel. */
    @Override
    public void send(byte[] message, int length) {
        if (sendBuffer.byteSize() < length) { // a rare big request: memory the collector frees
            sendBuffer = Arena.ofAuto().allocate(Math.max(length, sendBuffer.byteSize() * 2), 8);
        }
        MemorySegment.copy(message, 0, sendBuffer, ValueLayout.JAVA_BYTE, 0, length);
        long n = Native.call(
                "sendto netlink",
                Native.SYS_SENDTO,
                fd(),
                sendBuffer.address(),
                length,
                0,
                kernelAddress.address(),
                SOCKADDR_NL_SIZE);
        if (n != length) {
            throw new LinuxException(LinuxException.EIO, "sendto netlink: short write " + n + " of " + length);
        }
    }

    /**
     * Receives one datagram into {@code into} (at least 64 KiB to be safe) and returns its length.
     * Blocks until something arrives.
     */
    @Override
    public int receive(byte[] into) {
        long n = Native.call(
                "recvfrom netlink (EAGAIN: no answer from the kernel within the receive timeout)",
                Native.SYS_RECVFROM,
                fd(),
                receiveBuffer.address(),
                RECEIVE_BUFFER,
                MSG_TRUNC,
                0,
                0);
        if (n > RECEIVE_BUFFER || n > into.length) {
            throw new LinuxException(90 /* EMSGSIZE */, "recvfrom netlink: datagram of " + n + " bytes truncated");
        }
        MemorySegment.copy(receiveBuffer, ValueLayout.JAVA_BYTE, 0, into, 0, (int) n);
        return (int) n;
    }

    private static MemorySegment takeSlab() {
        MemorySegment s = SLABS.poll();
        return s != null ? s : Arena.global().allocate(SLAB, 8);
    }

    private int fd() {
        if (fd < 0) {
            throw new IllegalStateException("netlink channel is closed");
        }
        return fd;
    }

    @Override
    public void close() {
        int f = fd;
        fd = -1;
        if (f >= 0) {
            Native.close(f);
            SLABS.offer(slab); // no call uses it any more: fd() fails from now on
        }
    }
}
