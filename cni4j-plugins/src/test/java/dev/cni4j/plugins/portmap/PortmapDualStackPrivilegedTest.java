package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.plugins.bandwidth.ReferenceBridge;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ADD, CHECK and DEL for IPv4-only, IPv6-only and dual-stack pods, both backends. */
class PortmapDualStackPrivilegedTest extends HostPortTestBase {
    static final String MAPPINGS = ",\"runtimeConfig\":{\"portMappings\":["
            + "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
            + "{\"hostPort\":8053,\"containerPort\":53,\"protocol\":\"udp\",\"hostIP\":\"::\"}]}";

    @BeforeEach
    void setUp() {
        startNet();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "nftables;[{\"subnet\":\"10.244.12.0/24\"}]",
                "nftables;[{\"subnet\":\"fd00:12::/64\"}]",
                "nftables;[{\"subnet\":\"10.244.12.0/24\"}],[{\"subnet\":\"fd00:12::/64\"}]",
                "iptables;[{\"subnet\":\"10.244.12.0/24\"}]",
                "iptables;[{\"subnet\":\"fd00:12::/64\"}]",
                "iptables;[{\"subnet\":\"10.244.12.0/24\"}],[{\"subnet\":\"fd00:12::/64\"}]"
            })
    void addCheckDel(String backend, String ranges) {
        ReferenceBridge bridge = new ReferenceBridge(net, "dsnet", "cni4jds0", ranges);
        Pod pod = bridge.add("pod-ds");
        String conf = bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"" + backend + "\"" + MAPPINGS, pod);
        run("ADD", pod, conf).assertSuccess();
        run("CHECK", pod, conf).assertSuccess();
        // nft cannot print xtables DNAT targets, so the iptables view is included
        String rules = net.execInNode("nft", "list", "ruleset")
                + net.execInNode("iptables-save")
                + net.execInNode("ip6tables-save");
        for (var ip : pod.result().objects("ips")) {
            String a = ip.string("address");
            String addr = a.substring(0, a.indexOf('/'));
            assertTrue(rules.contains(addr), addr + " in\n" + rules);
        }
        run("DEL", pod, bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"" + backend + "\"", null))
                .assertSuccess();
        String after = net.execInNode("nft", "list", "ruleset");
        assertFalse(after.contains("dsnet/pod-ds"), after);
        assertFalse(after.contains(PortMappingRules.dnatChain("dsnet", "pod-ds")), after);
    }

    @ParameterizedTest
    @CsvSource({"nftables", "iptables"})
    void ipv6HostPortsWorkFromOutsideAndFromThePodItself(String backend) {
        ReferenceBridge bridge = new ReferenceBridge(
                net, "dsnet", "cni4jds0", "[{\"subnet\":\"10.244.14.0/24\"}],[{\"subnet\":\"fd00:14::/64\"}]");
        Pod pod = bridge.add("pod-v6");
        java.nio.file.Path outside = OutsideHost.attach(net, "2001:db8::1/64", "2001:db8::2/64");
        try (Echo echo = new Echo(net)) {
            echo.tcpServer(pod.netns(), "pod", 80);
            echo.udpServer(pod.netns(), "pod", 53);
            String conf =
                    bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"" + backend + "\"" + MAPPINGS, pod);
            run("ADD", pod, conf).assertSuccess();
            assertEquals("pod:ping", retry(() -> echo.tcp(outside, "2001:db8::1", 8080)), "outside over IPv6");
            assertEquals("pod:ping", echo.udp(outside, "2001:db8::1", 8053, 0), "outside over IPv6, udp");
            assertEquals("pod:ping", echo.tcp(pod.netns(), "2001:db8::1", 8080), "IPv6 hairpin");
            run("DEL", pod, conf).assertSuccess();
            assertNull(echo.tcp(outside, "2001:db8::1", 8080));
        }
    }

    /** IPv6 neighbour discovery may need a moment on a fresh link. */
    private static String retry(java.util.function.Supplier<String> attempt) {
        String r = null;
        for (int i = 0; i < 5 && r == null; i++) {
            r = attempt.get();
        }
        return r;
    }
}
