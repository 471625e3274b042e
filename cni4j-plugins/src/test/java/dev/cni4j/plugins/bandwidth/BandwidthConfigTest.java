package dev.cni4j.plugins.bandwidth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.spec.CniException;
import org.junit.jupiter.api.Test;

/** Limits parsing, validation, the ifb name and the burst clamp: no root needed. */
class BandwidthConfigTest {
    static BandwidthLimits limits(String json) {
        return BandwidthLimits.from(Json.parseObject(json));
    }

    @Test
    void staticConfigWinsOverCapability() {
        BandwidthLimits l = limits("{\"egressRate\":10,\"egressBurst\":20,"
                + "\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":1,\"ingressBurst\":2}}}");
        assertEquals(new BandwidthLimits(0, 0, 10, 20), l);
        BandwidthLimits rc = limits("{\"RuntimeConfig\":{\"Bandwidth\":{\"IngressRate\":1,\"IngressBurst\":2}}}");
        assertEquals(new BandwidthLimits(1, 2, 0, 0), rc);
        assertTrue(limits("{}").isZero());
    }

    @Test
    void invalidCombinationsAreCode7() {
        for (String bad : new String[] {
            "{\"ingressRate\":1}",
            "{\"ingressBurst\":1}",
            "{\"egressRate\":-1,\"egressBurst\":8}",
            "{\"egressRate\":1,\"egressBurst\":34359738360}",
            "{\"ingressRate\":1.5,\"ingressBurst\":8}",
            "{\"ingressRate\":\"1\",\"ingressBurst\":8}"
        }) {
            CniException e = assertThrows(CniException.class, () -> limits(bad), bad);
            assertEquals(7, e.code(), bad);
        }
        // just under the reference's 4 GB limit is accepted
        assertEquals(
                34359738352L,
                limits("{\"egressRate\":1,\"egressBurst\":34359738352}").egressBurst());
    }

    @Test
    void ifbNameMatchesTheReference() {
        // sha512("bwnet" + "pod-a") starts with the 12 hex digits after "bwp"
        String name = IfbDevice.name("bwnet", "pod-a");
        assertEquals(15, name.length());
        assertEquals("bwp" + IfbDevice.sha512Hex("bwnetpod-a").substring(0, 12), name);
    }

    @Test
    void burstIsClampedToWhatTbfCanHonour() {
        TokenBucket huge = TokenBucket.of(10_000_000, 4294967295L, 1500);
        assertEquals(1_250_000, huge.rate());
        assertEquals(125_000, huge.burst(), "100 ms at 10 Mbit/s");
        TokenBucket tiny = TokenBucket.of(10_000_000, 8, 1500);
        assertEquals(4 * 1514, tiny.burst(), "four frames");
        TokenBucket fast = TokenBucket.of(1_000_000_000, 8, 1500);
        assertEquals(500_000, fast.burst(), "4 ms at 1 Gbit/s");
        TokenBucket kept = TokenBucket.of(10_000_000, 400_000, 1500);
        assertEquals(50_000, kept.burst());
        TokenBucket slow = TokenBucket.of(8, 8, 1500);
        assertEquals(60, slow.burst(), "never more than 60 s of traffic");
    }
}
