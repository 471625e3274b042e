package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.bandwidth.Bandwidth;
import dev.cni4j.plugins.bandwidth.IfbDevice;
import dev.cni4j.plugins.bandwidth.InProcess;
import dev.cni4j.plugins.bandwidth.ReferenceBridge;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import dev.cni4j.spec.CniVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes-style chain bridge -> portmap -> bandwidth as a runtime drives it: each plugin
 * gets the previous one's result; CHECK with the final result; DEL in reverse order with the
 * cached result and runtimeConfig; then nothing of the pod is left.
 */
class ChainPrivilegedTest extends HostPortTestBase {
    static final String RUNTIME = "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,"
            + "\"protocol\":\"tcp\"}],\"bandwidth\":{\"ingressRate\":10000000,\"ingressBurst\":4294967295,"
            + "\"egressRate\":10000000,\"egressBurst\":4294967295}}";

    @BeforeEach
    void setUp() {
        startNet();
    }

    private String conf(String version, String type, JsonObject prev) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"k8s\",\"type\":\"" + type + "\"," + RUNTIME
                + (prev == null ? "" : ",\"prevResult\":" + Json.write(prev)) + "}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void addCheckDelLeavesNothing(String version) {
        ReferenceBridge bridge = new ReferenceBridge(net, "k8s", "cni4jk0", "[{\"subnet\":\"10.244.15.0/24\"}]");
        Pod pod = bridge.add("pod-k");
        String ns = pod.netns().toString();
        JsonObject afterPortmap = net.runInNode(() ->
                        InProcess.run(Portmap::new, "ADD", "pod-k", ns, "eth0", conf(version, "portmap", pod.result())))
                .assertSuccess()
                .json();
        JsonObject result = net.runInNode(() -> InProcess.run(
                        Bandwidth::new, "ADD", "pod-k", ns, "eth0", conf(version, "bandwidth", afterPortmap)))
                .assertSuccess()
                .json();
        assertEquals(
                IfbDevice.name("k8s", "pod-k"),
                result.objects("interfaces").get(3).string("name"));
        try (Echo echo = new Echo(net)) {
            echo.tcpServer(pod.netns(), "pod", 80);
            assertEquals("pod:ping", echo.tcp(net.node(), "127.0.0.1", 8080));
        }
        if (CniVersion.atLeast(version, "0.4.0")) {
            net.runInNode(() ->
                            InProcess.run(Portmap::new, "CHECK", "pod-k", ns, "eth0", conf(version, "portmap", result)))
                    .assertSuccess();
            net.runInNode(() -> InProcess.run(
                            Bandwidth::new, "CHECK", "pod-k", ns, "eth0", conf(version, "bandwidth", result)))
                    .assertSuccess();
        }
        net.runInNode(() ->
                        InProcess.run(Bandwidth::new, "DEL", "pod-k", ns, "eth0", conf(version, "bandwidth", result)))
                .assertSuccess();
        net.runInNode(() -> InProcess.run(Portmap::new, "DEL", "pod-k", ns, "eth0", conf(version, "portmap", result)))
                .assertSuccess();
        String hostVeth = pod.result().objects("interfaces").get(1).string("name");
        assertFalse(net.execInNode("tc", "qdisc", "show", "dev", hostVeth).contains("tbf"));
        bridge.del(pod);
        String links = net.execInNode("ip", "-o", "link", "show");
        assertFalse(links.contains("bwp"), links);
        assertFalse(links.contains(hostVeth), links);
        String rules = net.execInNode("nft", "list", "ruleset") + net.execInNode("iptables-save");
        assertFalse(rules.contains("k8s/pod-k") || rules.contains(PortMappingRules.dnatChain("k8s", "pod-k")), rules);
        assertTrue(rules.contains("cni4j_hostport"), "the shared table stays, like the reference's top-level chains");
    }
}
