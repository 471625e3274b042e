package dev.cni4j.daemon;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wire format between the {@code dist/bin} launcher ({@code cni4j-dist/src/main/c/cni4j-launch.c})
 * and the {@link Daemon}. All integers are big-endian; a "blob" is a u32 length and that many bytes.
 *
 * <pre>
 * request                               reply
 *   0  u32 magic "CNJ2"                   u8  'D' declined: nothing ran, the launcher falls back
 *   4  u32 body length (at most MAX)      u8  'A' accepted: the plugin runs; then, when it is done:
 *   8  body:                                  u32 exit code
 *        u64 st_dev, u64 st_ino of the        blob stdout
 *            client's /proc/self/ns/net       blob stderr
 *        u64 st_dev, u64 st_ino of the
 *            client's /proc/self/ns/mnt
 *        u32 the launcher's pid            (CNJ2 only; "CNJ1" requests, from launchers
 *        s32 its fd open on CNI_NETNS,      of 0.1.0, lack these two fields)
 *            -1 if none
 *        blob plugin type
 *        u32 count, count blobs "NAME=value"
 *        blob stdin
 * </pre>
 *
 * A launcher that reads 'D', or the end of the stream before any byte, knows nothing ran and may
 * run the standalone plugin instead; after 'A' it must not, since the operation may have happened.
 * The pid and fd let a daemon in another mount namespace (the agent's container) reach the pod's
 * namespace as {@code /proc/<pid>/fd/<fd>}: CNI_NETNS is a path in the launcher's mount namespace.
 */
public final class FastPathProtocol {
    public static final int MAGIC = 0x434e4a32; // "CNJ2"
    /** The 0.1.0 launcher's requests: no pid and fd. */
    public static final int MAGIC_V1 = 0x434e4a31; // "CNJ1"
    /** Requests above this are declined (the launcher falls back): bounds the daemon's memory per request. */
    public static final int MAX_BODY = 1 << 20;

    public static final int HEADER = 8;
    public static final byte ACCEPTED = 'A';
    public static final byte DECLINED = 'D';

    /** A namespace's identity: the device and inode of its nsfs file. */
    public record NsId(long dev, long ino) {}

    /**
     * One decoded request. {@code env} keeps the client's order; {@code pid} is 0 and
     * {@code netnsFd} -1 when the launcher did not send them.
     */
    public record Request(
            NsId netns, NsId mntns, int pid, int netnsFd, String type, Map<String, String> env, byte[] stdin) {
        /** A request without the launcher's pid and netns fd, as Java clients in the daemon's namespaces send. */
        public Request(NsId netns, NsId mntns, String type, Map<String, String> env, byte[] stdin) {
            this(netns, mntns, 0, -1, type, env, stdin);
        }
    }

    private FastPathProtocol() {}

    /** Reads the body length from an 8-byte header; throws if the magic is wrong or the body too large. */
    public static int bodyLength(ByteBuffer header) {
        int magic = header.getInt(0);
        if (magic != MAGIC && magic != MAGIC_V1) {
            throw new ProtocolException("bad magic 0x" + Integer.toHexString(magic));
        }
        int length = header.getInt(4);
        if (length < 0 || length > MAX_BODY) {
            throw new ProtocolException(
                    "request of " + Integer.toUnsignedString(length) + " bytes exceeds " + MAX_BODY);
        }
        return length;
    }

    /** Decodes a "CNJ2" body (everything after the header). */
    public static Request decode(ByteBuffer body) {
        return decode(MAGIC, body);
    }

    /** Decodes a body of the version {@code magic} names (the header's first field). */
    public static Request decode(int magic, ByteBuffer body) {
        try {
            NsId net = new NsId(body.getLong(), body.getLong());
            NsId mnt = new NsId(body.getLong(), body.getLong());
            int pid = magic == MAGIC_V1 ? 0 : body.getInt();
            int netnsFd = magic == MAGIC_V1 ? -1 : body.getInt();
            String type = new String(blob(body), StandardCharsets.UTF_8);
            int count = body.getInt();
            if (count < 0 || count > body.remaining() / 4) {
                throw new ProtocolException("bad env count " + count);
            }
            Map<String, String> env = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String entry = new String(blob(body), StandardCharsets.UTF_8);
                int eq = entry.indexOf('=');
                if (eq > 0) { // like Go's os.Environ parsing: entries without '=' are ignored
                    env.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            byte[] stdin = blob(body);
            if (body.hasRemaining()) {
                throw new ProtocolException(body.remaining() + " bytes after the request");
            }
            return new Request(net, mnt, pid, netnsFd, type, env, stdin);
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated request");
        }
    }

    /** Encodes a request with its header, as the launcher does (for tests and Java clients). */
    public static ByteBuffer encode(Request r) {
        byte[] type = r.type().getBytes(StandardCharsets.UTF_8);
        byte[][] env = r.env().entrySet().stream()
                .map(e -> (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        int size = 40 + 4 + type.length + 4 + 4 + r.stdin().length;
        for (byte[] e : env) {
            size += 4 + e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + size);
        b.putInt(MAGIC).putInt(size);
        b.putLong(r.netns().dev())
                .putLong(r.netns().ino())
                .putLong(r.mntns().dev())
                .putLong(r.mntns().ino());
        b.putInt(r.pid()).putInt(r.netnsFd());
        b.putInt(type.length).put(type).putInt(env.length);
        for (byte[] e : env) {
            b.putInt(e.length).put(e);
        }
        b.putInt(r.stdin().length).put(r.stdin());
        return b.flip();
    }

    /** The reply after {@link #ACCEPTED}: exit code, stdout, stderr. */
    public static ByteBuffer result(int exit, byte[] stdout, byte[] stderr) {
        return ByteBuffer.allocate(12 + stdout.length + stderr.length)
                .putInt(exit)
                .putInt(stdout.length)
                .put(stdout)
                .putInt(stderr.length)
                .put(stderr)
                .flip();
    }

    private static byte[] blob(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new ProtocolException("bad length " + n);
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return bytes;
    }

    /** A malformed or oversize request. */
    public static final class ProtocolException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ProtocolException(String message) {
            super(message);
        }
    }
}
