package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpPrefix;
import dev.cni4j.testing.fuzz.Fuzzer;
import dev.cni4j.testing.fuzz.PluginCalls;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes host-local's IPAM config: ranges (sets, legacy subnet, usePodCidr), routes, dataDir,
 * resolvConf, requested IPs from args and runtimeConfig, the ipRanges capability. Parsing only:
 * nothing is written.
 */
class IpamConfigFuzzTest {
    static final PodCidrSource.Factory POD_CIDRS =
            (request, ipam) -> () -> List.of(IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("fd00:10:244:1::/64"));

    @Test
    void everyConfigIsParsedOrRefusedCleanly() {
        var plugin = PluginCalls.parsing("host-local", r -> {
            IpamConfig c = IpamConfig.load(r, POD_CIDRS);
            for (RangeSet set : c.rangeSets()) {
                set.capacity();
            }
        });
        Fuzzer.of("host-local-config", PluginCalls.stdin(plugin, PluginCalls.addEnv()))
                .json()
                .seeds(
                        "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
                                + "\"ranges\":[[{\"subnet\":\"10.1.0.0/16\",\"rangeStart\":\"10.1.0.10\",\"rangeEnd\":\"10.1.0.200\","
                                + "\"gateway\":\"10.1.0.1\"},{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"2001:db8::/64\"}]],"
                                + "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.1.0.1\"},{\"dst\":\"::/0\"}],"
                                + "\"dataDir\":\"/run/cni4j-fuzz/networks\"}}",
                        "{\"cniVersion\":\"0.3.1\",\"name\":\"legacy\",\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\","
                                + "\"subnet\":\"10.10.0.0/24\",\"rangeStart\":\"10.10.0.5\",\"rangeEnd\":\"10.10.0.9\",\"gateway\":\"10.10.0.254\","
                                + "\"resolvConf\":\"/etc/resolv.conf\"},\"args\":{\"cni\":{\"ips\":[\"10.10.0.6\"]}}}",
                        "{\"cniVersion\":\"1.0.0\",\"name\":\"pods\",\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"usePodCidr\"}],"
                                + "[{\"subnet\":\"usePodCidrIPv6\"}]],\"podCidrFile\":\"/run/cni4j/podcidr\"},"
                                + "\"runtimeConfig\":{\"ips\":[\"10.244.1.7/24\"],\"ipRanges\":[[{\"subnet\":\"10.9.0.0/16\"}]]}}")
                .run();
    }
}
