package dev.cni4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.Result.Interface;
import dev.cni4j.spec.Result.IpConfig;
import dev.cni4j.spec.Result.Route;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResultCodecTest {

    /** A dual-stack result with two v4 addresses, as a bridge plugin would build it. */
    static Result dualStack() {
        Result r = new Result();
        r.addInterface(new Interface("cni0", "0a:58:0a:01:00:01", 1500, null, null, null));
        r.addInterface(new Interface("veth1234abcd", "0a:58:0a:01:00:02", null));
        int eth0 = r.addInterface(
                new Interface("eth0", "0a:58:0a:01:00:05", 1450, "/var/run/netns/p1", "/s", "0000:00:01.0"));
        r.ips().add(new IpConfig("10.1.0.5/16", "10.1.0.1", eth0));
        r.ips().add(new IpConfig("2001:db8::5/64", "2001:db8::1", eth0));
        r.ips().add(new IpConfig("10.2.0.5/16", null, eth0));
        r.routes().add(new Route("0.0.0.0/0", "10.1.0.1", 1400, 1300, 10, 100, 0));
        r.routes().add(new Route("::/0", null));
        r.dns(new Result.Dns(List.of("10.96.0.10"), "cluster.local", List.of("svc.cluster.local"), List.of("ndots:5")));
        return r;
    }

    static Stream<Arguments> allPairs() {
        return CniVersion.ALL.stream().flatMap(a -> CniVersion.ALL.stream().map(b -> Arguments.of(a, b)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("allPairs")
    void convertsEveryPair(String from, String to) {
        JsonObject source = ResultCodec.encode(dualStack(), from);
        JsonObject converted = ResultCodec.convert(Json.parseObject(source.toString()), null, to);
        assertEquals(to, converted.string("cniVersion"));
        Result back = ResultCodec.decode(converted, null);
        boolean lossy =
                CniVersion.schemaOf(from) == CniVersion.Schema.V02 || CniVersion.schemaOf(to) == CniVersion.Schema.V02;
        if (CniVersion.schemaOf(to) == CniVersion.Schema.V02) {
            assertEquals("10.1.0.5/16", converted.object("ip4").string("ip"));
            assertEquals("10.1.0.1", converted.object("ip4").string("gateway"));
            assertEquals("2001:db8::5/64", converted.object("ip6").string("ip"));
            assertEquals(
                    "0.0.0.0/0",
                    converted.object("ip4").objects("routes").get(0).string("dst"));
            assertEquals(
                    "::/0", converted.object("ip6").objects("routes").get(0).string("dst"));
            assertFalse(converted.containsKey("interfaces"));
            assertEquals(2, back.ips().size(), "one address per family");
        } else if (lossy) {
            // 0.1/0.2 -> newer: no interfaces, no interface index.
            assertFalse(converted.containsKey("interfaces"));
            assertEquals(2, back.ips().size());
            assertNull(back.ips().get(0).interfaceIndex());
        } else {
            assertEquals(3, back.interfaces().size());
            assertEquals(3, back.ips().size());
            assertEquals(2, back.ips().get(0).interfaceIndex());
            assertEquals("/var/run/netns/p1", back.interfaces().get(2).sandbox());
            assertEquals(
                    new Route("0.0.0.0/0", "10.1.0.1", 1400, 1300, 10, 100, 0),
                    back.routes().get(0),
                    "route fields survive in 0.4.0 JSON too, as in libcni");
        }
        for (JsonObject ip : converted.objects("ips") == null ? List.<JsonObject>of() : converted.objects("ips")) {
            if (CniVersion.schemaOf(to) == CniVersion.Schema.V04) {
                assertEquals(ip.string("address").contains(":") ? "6" : "4", ip.string("version"));
            } else {
                assertFalse(ip.containsKey("version"));
            }
        }
        if (CniVersion.schemaOf(to) == CniVersion.Schema.V04 && !lossy) {
            JsonObject eth0 = converted.objects("interfaces").get(2);
            assertFalse(eth0.containsKey("mtu"), "0.4.0 interfaces have no mtu");
            assertFalse(eth0.containsKey("pciID"));
        }
        if (CniVersion.schemaOf(to) == CniVersion.Schema.V1 && CniVersion.schemaOf(from) == CniVersion.Schema.V1) {
            assertEquals(1450L, converted.objects("interfaces").get(2).integer("mtu"));
        }
        assertEquals("cluster.local", converted.object("dns").string("domain"));
    }

    /** Found by the fuzz suite: an index beyond 32 bits was an ArithmeticException (code 999). */
    @Test
    void anIntegerBeyond32BitsIsADecodingFailure() {
        for (String field : List.of(
                "\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":4294967295}]",
                "\"interfaces\":[{\"name\":\"eth0\",\"mtu\":-4708955770537664533}]",
                "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"table\":2147483648}]")) {
            JsonObject o = Json.parseObject("{\"cniVersion\":\"1.1.0\"," + field + "}");
            CniException e = assertThrows(CniException.class, () -> ResultCodec.decode(o, "1.1.0"), field);
            assertEquals(ErrorCode.DECODING_FAILURE.code(), e.code(), field);
        }
    }

    @Test
    void oldVersionWithoutAddressesCannotBeEncoded() {
        Result r = new Result();
        r.addInterface(new Interface("lo", "00:00:00:00:00:00", "/x"));
        CniException e = assertThrows(CniException.class, () -> ResultCodec.encode(r, "0.2.0"));
        assertTrue(e.getMessage().contains("no valid IP addresses"));
    }

    @Test
    void missingVersionFallsBackToTheConfigVersion() {
        JsonObject prev = Json.parseObject("{\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}");
        assertEquals(1, ResultCodec.decode(prev, "0.4.0").ips().size());
        JsonObject prev02 = Json.parseObject("{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}");
        assertEquals(1, ResultCodec.decode(prev02, null).ips().size(), "no version at all reads as 0.1.0");
    }

    @Test
    void emptyDnsIsOmitted() {
        Result r = new Result();
        r.ips().add(new IpConfig("10.0.0.2/24", null, null));
        r.dns(new Result.Dns(List.of(), "", null, null));
        assertFalse(ResultCodec.encode(r, "1.1.0").containsKey("dns"));
    }

    @Test
    void malformedIpEntryIsADecodingError() {
        CniException e = assertThrows(
                CniException.class,
                () -> ResultCodec.decode(
                        Json.parseObject("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"gateway\":\"10.0.0.1\"}]}"), null));
        assertEquals(ErrorCode.DECODING_FAILURE.code(), e.code());
    }
}
