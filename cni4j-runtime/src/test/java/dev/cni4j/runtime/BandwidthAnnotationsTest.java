package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BandwidthAnnotationsTest {

    @ParameterizedTest(name = "{0} = {1} bit/s")
    @CsvSource({
        "1k, 1000",
        "500k, 500000",
        "1M, 1000000",
        "10M, 10000000",
        "1Mi, 1048576",
        "10Mi, 10485760",
        "1Ki, 1024",
        "1G, 1000000000",
        "1Gi, 1073741824",
        "1T, 1000000000000",
        "1P, 1000000000000000",
        "1.5M, 1500000",
        "0.5Gi, 536870912",
        "2.5k, 2500",
        "1000, 1000",
        "123456, 123456",
        "+1M, 1000000",
        "1e3, 1000",
        "1E6, 1000000",
        "1e+6, 1000000",
        "1.k, 1000",
        "1000000000m, 1000000",
        "1500500m, 1501",
        "999999m, 1000",
        "1000000001u, 1001",
        ".5M, 500000",
    })
    void ratesInBitsPerSecond(String quantity, long expected) {
        assertEquals(expected, BandwidthAnnotations.rate(quantity));
    }

    @ParameterizedTest
    @ValueSource(strings = {"999", "1", "0", "100m", "0.9k", "-1M", "1n", "998999m"})
    void tooSmallRatesAreRejectedWithKubeletsWords(String quantity) {
        var e = assertThrows(IllegalArgumentException.class, () -> BandwidthAnnotations.rate(quantity));
        assertEquals("resource is unreasonably small (< 1kbit)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2P", "1.001P", "1Pi", "1E", "1Ei", "1000001G", "1e16"})
    void tooLargeRatesAreRejected(String quantity) {
        var e = assertThrows(IllegalArgumentException.class, () -> BandwidthAnnotations.rate(quantity));
        assertEquals("resource is unreasonably large (> 1Pbit)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "", "M", "abc", "1K", "1kb", "1mb", "10 M", "1..5M", "1.2.3", "1Mbit", "ten", "1MiB", "1x", "--1", "1e",
                "1e1000", "1ki", "0x10"
            })
    void malformedQuantitiesAreRejected(String quantity) {
        var e = assertThrows(IllegalArgumentException.class, () -> BandwidthAnnotations.rate(quantity));
        assertTrue(e.getMessage().contains("quantit"), e.getMessage());
    }

    @Test
    void bothDirectionsBecomeTheBandwidthCapability() {
        var cap = BandwidthAnnotations.capability(
                        Map.of(BandwidthAnnotations.INGRESS, "10M", BandwidthAnnotations.EGRESS, "1Mi"))
                .orElseThrow();
        assertEquals(
                Map.of(
                        "ingressRate",
                        10_000_000L,
                        "ingressBurst",
                        4294967295L,
                        "egressRate",
                        1_048_576L,
                        "egressBurst",
                        4294967295L),
                cap);
    }

    @Test
    void onlyTheAnnotatedDirectionIsSet() {
        var cap = BandwidthAnnotations.capability(Map.of(BandwidthAnnotations.EGRESS, "1G"))
                .orElseThrow();
        assertEquals(Map.of("egressRate", 1_000_000_000L, "egressBurst", 4294967295L), cap);
    }

    @Test
    void noBandwidthAnnotationsGiveNoCapability() {
        assertTrue(BandwidthAnnotations.capability(Map.of("team", "a")).isEmpty());
        assertTrue(BandwidthAnnotations.capability(Map.of()).isEmpty());
    }

    @Test
    void errorsNameTheAnnotation() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(BandwidthAnnotations.INGRESS, "1M");
        a.put(BandwidthAnnotations.EGRESS, "10");
        var e = assertThrows(IllegalArgumentException.class, () -> BandwidthAnnotations.capability(a));
        assertEquals("kubernetes.io/egress-bandwidth=10: resource is unreasonably small (< 1kbit)", e.getMessage());
    }
}
