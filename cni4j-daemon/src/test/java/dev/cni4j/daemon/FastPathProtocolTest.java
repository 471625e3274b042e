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
        return new Request(new NsId(4, 4026531840L), new NsId(4, 4026531841L), "bridge", env,
                "{\"cniVersion\":\"1.1.0\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void roundTrip() {
        ByteBuffer wire = FastPathProtocol.encode(sample());
        int length = FastPathProtocol.bodyLength(wire.slice(0, FastPathProtocol.HEADER));
        assertEquals(wire.remaining() - FastPathProtocol.HEADER, length);
        Request back = FastPathProtocol.decode(wire.position(FastPathProtocol.HEADER).slice());
        assertEquals(sample().netns(), back.netns());
        assertEquals(sample().mntns(), back.mntns());
        assertEquals("bridge", back.type());
        assertEquals(sample().env(), back.env(), "values may contain '='");
        assertArrayEquals(sample().stdin(), back.stdin());
    }

    @Test
    void oversizeAndForeignHeadersAreRejected() {
        assertThrows(ProtocolException.class, () -> FastPathProtocol.bodyLength(
                ByteBuffer.allocate(8).putInt(FastPathProtocol.MAGIC).putInt(FastPathProtocol.MAX_BODY + 1).flip()));
        assertThrows(ProtocolException.class, () -> FastPathProtocol.bodyLength(
                ByteBuffer.allocate(8).putInt(FastPathProtocol.MAGIC).putInt(-1).flip()));
        assertThrows(ProtocolException.class, () -> FastPathProtocol.bodyLength(ByteBuffer.allocate(8).putInt(0x47455420).putInt(1).flip()));
    }

    @Test
    void truncatedOrTrailingBytesAreRejected() {
        ByteBuffer wire = FastPathProtocol.encode(sample()).position(FastPathProtocol.HEADER).slice();
        assertThrows(ProtocolException.class, () -> FastPathProtocol.decode(wire.slice(0, wire.remaining() - 1)));
        ByteBuffer longer = ByteBuffer.allocate(wire.remaining() + 1).put(wire.duplicate()).put((byte) 0).flip();
        assertThrows(ProtocolException.class, () -> FastPathProtocol.decode(longer));
        ByteBuffer hugeLength = ByteBuffer.allocate(40).putLong(0).putLong(0).putLong(0).putLong(0).putInt(Integer.MAX_VALUE).putInt(0).flip();
        assertThrows(ProtocolException.class, () -> FastPathProtocol.decode(hugeLength));
    }
}
