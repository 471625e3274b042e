package dev.cni4j.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cni4j.testing.fuzz.Fuzzer;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the JSON codec (lives here because the fuzzer in cni4j-testing sits above cni4j-core):
 * bad text is a {@link JsonException}, a wrong type is a {@link JsonTypeException}, nothing else;
 * what parses writes back to text that parses to the same value.
 */
class JsonFuzzTest {
    static final String[] SEEDS = {
        "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"bridge\",\"bridge\":\"cni0\",\"isGateway\":true,"
                + "\"mtu\":1500,\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}]],"
                + "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}",
        "[1,-2,3.5,1e3,-0.25E-2,true,false,null,\"\\u00e9\\n\\\"\",{},[]]",
        "{\"a\":{\"b\":{\"c\":[{\"d\":\"\\ud834\\udd1e\"}]}},\"n\":9223372036854775807,\"big\":18446744073709551616}",
        "\"just a string\"",
        "  {\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}}  ",
    };

    @Test
    void parseAnswersWithJsonExceptionOnly() {
        Fuzzer.of("json-parse", input -> {
                    Object value;
                    try {
                        value = Json.parse(input);
                    } catch (JsonException expected) {
                        return;
                    }
                    assertEquals(
                            normal(value),
                            normal(Json.parse(Json.write(value))),
                            "write then parse gives the value back");
                    if (value instanceof JsonObject o) {
                        readEveryKeyEveryWay(o);
                    }
                })
                .seeds(SEEDS)
                .json()
                .allow(JsonException.class)
                .run();
    }

    /** The typed accessors on whatever came in: a wrong type is a JsonTypeException naming the key. */
    private static void readEveryKeyEveryWay(JsonObject o) {
        for (String key : List.copyOf(o.keySet())) {
            for (String k : List.of(key, key.toUpperCase(java.util.Locale.ROOT))) {
                o.find(k);
                o.actualKey(k);
                List<Runnable> reads = List.of(
                        () -> o.string(k),
                        () -> o.bool(k, false),
                        () -> o.integer(k),
                        () -> o.object(k),
                        () -> o.list(k),
                        () -> o.objects(k),
                        () -> o.strings(k));
                for (Runnable read : reads) {
                    try {
                        read.run();
                    } catch (JsonTypeException e) {
                        assertEquals(k, e.key());
                    }
                }
            }
            if (o.get(key) instanceof JsonObject nested) {
                readEveryKeyEveryWay(nested);
            }
        }
        assertEquals(normal(o), normal(o.deepCopy()));
    }

    /** Numbers as exact decimals: 1e3 is written as 1000 and read back as a Long. */
    private static Object normal(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, normal(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(JsonFuzzTest::normal).toList();
        }
        if (v instanceof Number n) {
            return new BigDecimal(n.toString()).stripTrailingZeros();
        }
        return v;
    }
}
