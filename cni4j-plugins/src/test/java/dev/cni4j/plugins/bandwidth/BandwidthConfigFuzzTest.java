package dev.cni4j.plugins.bandwidth;

import dev.cni4j.testing.fuzz.Fuzzer;
import dev.cni4j.testing.fuzz.PluginCalls;
import org.junit.jupiter.api.Test;

/** Fuzzes bandwidth's limits (config and capability) and prevResult, and the tbf numbers made from them. */
class BandwidthConfigFuzzTest {
    @Test
    void everyConfigIsParsedOrRefusedCleanly() {
        var plugin = PluginCalls.parsing("bandwidth", r -> {
            BandwidthLimits l = BandwidthLimits.from(r.config());
            r.prevResult();
            for (int mtu : new int[] {0, 1500, 65535}) {
                if (l.limitsIngress()) {
                    TokenBucket.of(l.ingressRate(), l.ingressBurst(), mtu).bufferTicks();
                }
                if (l.limitsEgress()) {
                    TokenBucket.of(l.egressRate(), l.egressBurst(), mtu).limit();
                }
            }
        });
        Fuzzer.of("bandwidth-config", PluginCalls.stdin(plugin, PluginCalls.addEnv()))
                .json()
                .seeds(
                        "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"bandwidth\",\"ingressRate\":10000000,"
                                + "\"ingressBurst\":4294967295,\"egressRate\":1000,\"egressBurst\":8000}",
                        "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true},"
                                + "\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":1000000,\"ingressBurst\":2147483647,"
                                + "\"egressRate\":1000000,\"egressBurst\":2147483647}},\"prevResult\":{\"interfaces\":[{\"name\":\"veth0\"},"
                                + "{\"name\":\"eth0\",\"sandbox\":\"/x\"}],\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":1}]}}")
                .run();
    }
}
