package dev.cni4j.plugins.loopback;

import dev.cni4j.testing.fuzz.Fuzzer;
import dev.cni4j.testing.fuzz.PluginCalls;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what loopback reads before it touches the namespace: the config through the entry point
 * (version, name) and a chained prevResult in every spec version's shape.
 */
class LoopbackConfigFuzzTest {
    @Test
    void everyConfigIsParsedOrRefusedCleanly() {
        var plugin = PluginCalls.parsing("loopback", new Loopback().supportedVersions(), r -> r.prevResult());
        Fuzzer.of("loopback-config", PluginCalls.stdin(plugin, PluginCalls.addEnv()))
                .json()
                .seeds(
                        "{\"cniVersion\":\"0.3.1\",\"name\":\"cni-loopback\",\"type\":\"loopback\"}",
                        "{\"cniVersion\":\"1.1.0\",\"name\":\"lo\",\"type\":\"loopback\",\"prevResult\":{\"cniVersion\":\"1.1.0\","
                                + "\"interfaces\":[{\"name\":\"lo\",\"mac\":\"00:00:00:00:00:00\",\"sandbox\":\"/x\"}],"
                                + "\"ips\":[{\"address\":\"127.0.0.1/8\",\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.1\","
                                + "\"mtu\":1500,\"advmss\":1400,\"priority\":10,\"table\":254,\"scope\":0}],"
                                + "\"dns\":{\"nameservers\":[\"10.0.0.10\"]}}}",
                        "{\"cniVersion\":\"0.2.0\",\"name\":\"lo\",\"type\":\"loopback\",\"prevResult\":{\"cniVersion\":\"0.2.0\","
                                + "\"ip4\":{\"ip\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]},"
                                + "\"ip6\":{\"ip\":\"2001:db8::2/64\"},\"dns\":{}}}")
                .run();
    }
}
