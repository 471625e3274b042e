package dev.cni4j.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesNestedConfig() {
        JsonObject o = Json.parseObject("""
                {"cniVersion":"1.0.0","name":"k8s","plugins":[{"type":"bridge","isGateway":true,
                 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/16"}]]},"mtu":1450,
                 "f":1.5,"n":null,"s":"a\\"b\\\\c\\n\\u00e9"}]}""");
        assertEquals("1.0.0", o.string("cniVersion"));
        JsonObject bridge = o.objects("plugins").get(0);
        assertTrue(bridge.bool("isGateway", false));
        assertEquals(1450L, bridge.integer("mtu"));
        assertEquals(1.5, bridge.find("f"));
        assertTrue(bridge.containsKey("n"));
        assertNull(bridge.find("n"));
        assertEquals("a\"b\\c\né", bridge.string("s"));
        assertEquals(
                "10.1.0.0/16",
                ((JsonObject) ((List<?>) bridge.object("ipam").list("ranges").get(0)).get(0)).string("subnet"));
    }

    @Test
    void roundTripsExactly() {
        String text = "{\"a\":[1,-2,3.25,true,false,null,\"x\"],\"b\":{},\"c\":[],\"d\":\"\\u0001\\t\"}";
        assertEquals(text, Json.write(Json.parse(text)));
    }

    @Test
    void keepsBigNumbers() {
        JsonObject o =
                Json.parseObject("{\"burst\":4294967295,\"huge\":18446744073709551616,\"max\":9223372036854775807}");
        assertEquals(4294967295L, o.integer("burst"));
        assertEquals(Long.MAX_VALUE, o.integer("max"));
        assertInstanceOf(BigInteger.class, o.find("huge"));
        assertThrows(JsonTypeException.class, () -> o.integer("huge"));
    }

    @Test
    void matchesKeysCaseInsensitivelyLikeGo() {
        JsonObject o = Json.parseObject("{\"HostPort\":8080,\"hostport\":1,\"IngressRate\":5}");
        assertEquals(1L, o.integer("hostport"), "an exact match wins");
        assertEquals(8080L, o.integer("HostPort"));
        assertEquals(5L, o.integer("ingressRate"));
        assertEquals("IngressRate", o.actualKey("ingressrate"));
        assertFalse(o.has("egressRate"));
    }

    @Test
    void typeErrorsNameTheKey() {
        JsonObject o = Json.parseObject("{\"portIsolation\":\"true\",\"mtu\":1.5}");
        JsonTypeException e = assertThrows(JsonTypeException.class, () -> o.bool("portIsolation", false));
        assertEquals("portIsolation", e.key());
        assertTrue(e.getMessage().contains("boolean"));
        assertThrows(JsonTypeException.class, () -> o.integer("mtu"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "{",
                "{\"a\"}",
                "{\"a\":}",
                "[1,]",
                "{\"a\":1,}",
                "tru",
                "01",
                "1.",
                "\"abc",
                "{\"a\":1} x",
                "{'a':1}",
                "\"\t\"",
                "-",
                "[1 2]",
                // found by the fuzz suite: an exponent beyond 32 bits was a NumberFormatException
                "1e392233720368547758",
                "[-1.5E+99999999999]",
                // unicode escapes take ASCII hex digits only (Character.digit also takes Arabic-Indic and fullwidth
                // ones)
                "\"\\u\u0664\u0661\u0664\u0661\"",
                "\"\\u\uFF21\uFF21\uFF21\uFF21\""
            })
    void rejectsMalformedJson(String text) {
        assertThrows(JsonException.class, () -> Json.parse(text));
    }

    @Test
    void errorsNameLineAndColumnNotAnOffset() {
        // A conflist missing the comma after "name": the parser stops at the quote of "plugins".
        String text = "{\n  \"cniVersion\": \"1.0.0\",\n  \"name\": \"x\"\n  \"plugins\": []\n}\n";
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertEquals(4, e.line());
        assertEquals(3, e.column());
        assertEquals(text.indexOf("\"plugins\""), e.offset());
        assertTrue(e.getMessage().endsWith(" at line 4, column 3"), e.getMessage());
        assertFalse(e.getMessage().contains("offset"), e.getMessage());

        JsonException first = assertThrows(JsonException.class, () -> Json.parse("x"));
        assertEquals(1, first.line());
        assertEquals(1, first.column());
        assertEquals(
                "expected a JSON object at the top level at line 1, column 1",
                assertThrows(JsonException.class, () -> Json.parseObject("[1]")).getMessage());
    }

    @Test
    void deepCopyIsIndependent() {
        JsonObject o = Json.parseObject("{\"a\":{\"b\":[1]}}");
        JsonObject c = o.deepCopy();
        c.object("a").list("b").add(2L);
        assertEquals("{\"a\":{\"b\":[1]}}", o.toString());
    }
}
