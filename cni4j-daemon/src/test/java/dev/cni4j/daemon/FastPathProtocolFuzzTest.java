package dev.cni4j.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.daemon.FastPathProtocol.NsId;
import dev.cni4j.daemon.FastPathProtocol.ProtocolException;
import dev.cni4j.daemon.FastPathProtocol.Request;
import dev.cni4j.testing.fuzz.Fuzzer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the daemon's request reader as the daemon uses it (header, then a body of the length it
 * names): a malformed request is a {@link ProtocolException}, nothing else, and a request that is
 * read never claims more than was sent.
 */
class FastPathProtocolFuzzTest {
    @Test
    void everyRequestIsReadOrRefused() {
        Fuzzer.of("fast-path-request", input -> {
                    ByteBuffer wire = ByteBuffer.wrap(input);
                    if (wire.remaining() < FastPathProtocol.HEADER) {
                        return; // the daemon waits for the header; a short stream is a closed connection
                    }
                    ByteBuffer header = wire.slice(0, FastPathProtocol.HEADER);
                    int length = FastPathProtocol.bodyLength(header);
                    assertTrue(length >= 0 && length <= FastPathProtocol.MAX_BODY);
                    if (wire.remaining() - FastPathProtocol.HEADER < length) {
                        return; // the daemon waits for the rest until its deadline
                    }
                    ByteBuffer body = wire.slice(FastPathProtocol.HEADER, length);
                    Request r = FastPathProtocol.decode(header.getInt(0), body);
                    assertTrue(r.stdin().length <= length && r.type().length() <= length);
                    int envBytes = r.env().entrySet().stream()
                            .mapToInt(e -> e.getKey().length() + e.getValue().length())
                            .sum();
                    assertTrue(envBytes <= length);
                })
                .seeds(seeds())
                .dictionary("CNI_COMMAND=", "CNI_NETNS=", "=", "bridge", "host-local")
                .allow(ProtocolException.class)
                .run();
    }

    private static List<byte[]> seeds() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", "ADD");
        env.put("CNI_CONTAINERID", "c1");
        env.put("CNI_NETNS", "/var/run/netns/p");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "K=V;A=b=c");
        byte[] stdin = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"bridge\"}".getBytes(StandardCharsets.UTF_8);
        List<byte[]> out = new ArrayList<>();
        out.add(bytes(FastPathProtocol.encode(
                new Request(new NsId(4, 4026531840L), new NsId(4, 4026531841L), 4242, 7, "bridge", env, stdin))));
        out.add(bytes(FastPathProtocol.encode(
                new Request(new NsId(0, 0), new NsId(0, 0), "loopback", Map.of(), new byte[0]))));
        // the 0.1.0 launcher's layout: no pid and fd
        byte[] type = "loopback".getBytes(StandardCharsets.UTF_8);
        byte[] e = "CNI_COMMAND=VERSION".getBytes(StandardCharsets.UTF_8);
        ByteBuffer v1 = ByteBuffer.allocate(8 + 32 + 4 + type.length + 4 + 4 + e.length + 4);
        v1.putInt(FastPathProtocol.MAGIC_V1)
                .putInt(v1.capacity() - 8)
                .putLong(4)
                .putLong(1)
                .putLong(4)
                .putLong(2)
                .putInt(type.length)
                .put(type)
                .putInt(1)
                .putInt(e.length)
                .put(e)
                .putInt(0);
        out.add(v1.array());
        for (byte[] s : out) {
            assertEquals(s.length - 8, FastPathProtocol.bodyLength(ByteBuffer.wrap(s, 0, 8)));
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
