package dev.cni4j.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.daemon.FastPathProtocol.ProtocolException;
import dev.cni4j.daemon.FastPathProtocol.Request;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FastPathProtocolTest {
    static Request sample() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", "ADD");
        env.put("CNI_ARGS", "K=V;A=b=c");
        return new Request(
                new NsId(4, 4026531840L),
                new NsId(4, 4026531841L),
                "bridge",
                env,
                "{\"cniVersion\":\"1.1.0\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void roundTrip() {
        ByteBuffer wire = FastPathProtocol.encode(sample());
        int length = FastPathProtocol.bodyLength(wire.slice(0, FastPathProtocol.HEADER));
        assertEquals(wire.remaining() - FastPathProtocol.HEADER, length);
        Request back =
                FastPathProtocol.decode(wire.position(FastPathProtocol.HEADER).slice());
        assertEquals(sample().netns(), back.netns());
        assertEquals(sample().mntns(), back.mntns());
        assertEquals("bridge", back.type());
        assertEquals(sample().env(), back.env(), "values may contain '='");
        assertArrayEquals(sample().stdin(), back.stdin());
        assertEquals(0, back.pid());
        assertEquals(-1, back.netnsFd());
    }

    @Test
    void theLaunchersPidAndNetnsFdTravel() {
        Request r = sample();
        Request withFd = new Request(r.netns(), r.mntns(), 4242, 7, r.type(), r.env(), r.stdin());
        Request back = FastPathProtocol.decode(FastPathProtocol.encode(withFd)
                .position(FastPathProtocol.HEADER)
                .slice());
        assertEquals(4242, back.pid());
        assertEquals(7, back.netnsFd());
    }

    @Test
    void aVersion1RequestWithoutPidAndFdIsStillRead() {
        // the 0.1.0 launcher's layout: namespaces, then the type directly
        byte[] type = "loopback".getBytes(StandardCharsets.UTF_8);
        byte[] env = "CNI_COMMAND=VERSION".getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(32 + 4 + type.length + 4 + 4 + env.length + 4)
                .putLong(4)
                .putLong(1)
                .putLong(4)
                .putLong(2)
                .putInt(type.length)
                .put(type)
                .putInt(1)
                .putInt(env.length)
                .put(env)
                .putInt(0)
                .flip();
        ByteBuffer header = ByteBuffer.allocate(8)
                .putInt(FastPathProtocol.MAGIC_V1)
                .putInt(body.remaining())
                .flip();
        assertEquals(body.remaining(), FastPathProtocol.bodyLength(header));
        Request back = FastPathProtocol.decode(FastPathProtocol.MAGIC_V1, body);
        assertEquals("loopback", back.type());
        assertEquals(Map.of("CNI_COMMAND", "VERSION"), back.env());
        assertEquals(new NsId(4, 2), back.mntns());
        assertEquals(0, back.pid());
        assertEquals(-1, back.netnsFd());
    }

    @Test
    void oversizeAndForeignHeadersAreRejected() {
        assertThrows(
                ProtocolException.class,
                () -> FastPathProtocol.bodyLength(ByteBuffer.allocate(8)
                        .putInt(FastPathProtocol.MAGIC)
                        .putInt(FastPathProtocol.MAX_BODY + 1)
                        .flip()));
        assertThrows(
                ProtocolException.class,
                () -> FastPathProtocol.bodyLength(ByteBuffer.allocate(8)
                        .putInt(FastPathProtocol.MAGIC)
                        .putInt(-1)
                        .flip()));
        assertThrows(
                ProtocolException.class,
                () -> FastPathProtocol.bodyLength(
                        ByteBuffer.allocate(8).putInt(0x47455420).putInt(1).flip()));
    }

    @Test
    void truncatedOrTrailingBytesAreRejected() {
        ByteBuffer wire = FastPathProtocol.encode(sample())
                .position(FastPathProtocol.HEADER)
                .slice();
        assertThrows(ProtocolException.class, () -> FastPathProtocol.decode(wire.slice(0, wire.remaining() - 1)));
        ByteBuffer longer = ByteBuffer.allocate(wire.remaining() + 1)
                .put(wire.duplicate())
                .put((byte) 0)
                .flip();
        assertThrows(ProtocolException.class, () -> FastPathProtocol.decode(longer));
        ByteBuffer hugeLength = ByteBuffer.allocate(40)
                .putLong(0)
                .putLong(0)
                .putLong(0)
                .putLong(0)
                .putInt(Integer.MAX_VALUE)
                .putInt(0)
                .flip();
        assertThrows(ProtocolException.class, () -> FastPathProtocol.decode(hugeLength));
    }
}
