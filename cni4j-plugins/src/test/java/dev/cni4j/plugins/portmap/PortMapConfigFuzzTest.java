package dev.cni4j.plugins.portmap;

import dev.cni4j.spec.Result;
import dev.cni4j.testing.fuzz.Fuzzer;
import dev.cni4j.testing.fuzz.PluginCalls;
import org.junit.jupiter.api.Test;

/** Fuzzes portmap's options, portMappings and prevResult: a proper CNI error or success, never a crash. */
class PortMapConfigFuzzTest {
    @Test
    void everyConfigIsParsedOrRefusedCleanly() {
        var plugin = PluginCalls.parsing("portmap", r -> {
            PortMapConfig c = PortMapConfig.from(r, () -> PortMapConfig.NFTABLES);
            Result prev = r.prevResult();
            if (prev != null) {
                PodAddresses.from(prev, r.ifname());
            }
            c.mappingsFor(true);
            c.mappingsFor(false);
        });
        String prev =
                ",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"veth1\",\"mac\":\"aa:bb:cc:dd:ee:ff\"},"
                        + "{\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/x\"}],\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\","
                        + "\"interface\":1},{\"address\":\"2001:db8::5/64\",\"interface\":1}]}";
        Fuzzer.of("portmap-config", PluginCalls.stdin(plugin, PluginCalls.addEnv()))
                .json()
                .seeds(
                        "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"portmap\",\"snat\":true,\"masqAll\":false,"
                                + "\"capabilities\":{\"portMappings\":true},\"runtimeConfig\":{\"portMappings\":["
                                + "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
                                + "{\"HostPort\":53,\"ContainerPort\":53,\"Protocol\":\"UDP\",\"HostIP\":\"127.0.0.1\"},"
                                + "{\"hostPort\":9000,\"containerPort\":9000,\"protocol\":\"sctp\",\"hostIP\":\"::\"}]}"
                                + prev + "}",
                        "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"portmap\",\"backend\":\"iptables\",\"markMasqBit\":13,"
                                + "\"conditionsV4\":[\"!\",\"-d\",\"192.0.2.0/24\"],\"conditionsV6\":[\"!\",\"-d\",\"fc00::/7\"],"
                                + "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,\"containerPort\":8080,\"hostIP\":\"10.0.0.1\"}]}"
                                + prev + "}",
                        "{\"cniVersion\":\"0.4.0\",\"name\":\"net\",\"type\":\"portmap\",\"externalSetMarkChain\":\"KUBE-MARK-MASQ\","
                                + "\"conditionsV4\":[\"ip\",\"saddr\",\"!=\",\"10.0.0.0/8\"]}")
                .run();
    }
}
