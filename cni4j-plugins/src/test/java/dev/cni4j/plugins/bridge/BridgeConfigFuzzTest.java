package dev.cni4j.plugins.bridge;

import dev.cni4j.testing.fuzz.Fuzzer;
import dev.cni4j.testing.fuzz.PluginCalls;
import org.junit.jupiter.api.Test;

/** Fuzzes bridge's config (and prevResult) parsing: a proper CNI error or success, never a crash. */
class BridgeConfigFuzzTest {
    @Test
    void everyConfigIsParsedOrRefusedCleanly() {
        var plugin = PluginCalls.parsing("bridge", r -> {
            BridgeConfig.parse(r);
            r.prevResult();
        });
        Fuzzer.of("bridge-config", PluginCalls.stdin(plugin, PluginCalls.addEnv()))
                .json()
                .seeds(
                        "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"bridge\",\"bridge\":\"cni0\",\"isGateway\":true,"
                                + "\"isDefaultGateway\":true,\"forceAddress\":false,\"ipMasq\":true,\"ipMasqBackend\":\"nftables\","
                                + "\"mtu\":1450,\"hairpinMode\":true,\"enabledad\":false,\"macspoofchk\":true,"
                                + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.1.0.0/16\"},"
                                + "\"dns\":{\"nameservers\":[\"10.96.0.10\"],\"domain\":\"cluster.local\",\"search\":[\"svc\"],\"options\":[\"ndots:5\"]}}",
                        "{\"cniVersion\":\"1.0.0\",\"name\":\"vl\",\"type\":\"bridge\",\"vlan\":100,\"preserveDefaultVlan\":false,"
                                + "\"vlanTrunk\":[{\"id\":101},{\"minID\":200,\"maxID\":210}],\"promiscMode\":\"true\",\"portIsolation\":\"false\","
                                + "\"runtimeConfig\":{\"mac\":\"0a:58:0a:f4:01:02\"},\"args\":{\"cni\":{\"mac\":\"0a:58:0a:f4:01:03\"}}}",
                        "{\"cniVersion\":\"0.3.1\",\"name\":\"l2\",\"type\":\"bridge\",\"disableContainerInterface\":true,"
                                + "\"prevResult\":{\"cniVersion\":\"0.3.1\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/x\"}],"
                                + "\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\",\"interface\":0}],"
                                + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}],\"dns\":{}}}")
                .run();
    }
}
