package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.plugins.bandwidth.InProcess;
import dev.cni4j.plugins.bandwidth.ReferenceBridge;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import dev.cni4j.testing.TestNetworks;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nftables ADD lays the table out only when it is missing or laid out by another version
 * (its marker set absent): a second pod's ADD leaves the hooked chains' rules alone, and a table
 * whose layout is stale gets it back with the next ADD.
 */
class PortmapLayoutPrivilegedTest {
    private TestNetworks net;

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        assumeTrue(ReferenceBridge.available(), "reference bridge plugin not installed");
        net = TestNetworks.create();
    }

    @AfterEach
    void tearDown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void laysTheTableOutOnceAndAgainWhenItsLayoutIsStale() {
        ReferenceBridge bridge = new ReferenceBridge(net, "laynet", "cni4jly0", "[{\"subnet\":\"10.244.31.0/24\"}]");
        Pod a = bridge.add("pod-a");
        add(bridge, a, 8081);
        List<String> handles = ruleHandles("prerouting");
        assertEquals(1, handles.size(), "one rule in prerouting");

        Pod b = bridge.add("pod-b");
        add(bridge, b, 8082);
        assertEquals(handles, ruleHandles("prerouting"), "the second ADD did not re-flush the hooked chains");
        assertTrue(hostports().contains("tcp . 8082"), hostports());

        // as a table written by a version with another layout looks: no marker, a chain changed
        net.execInNode("nft", "delete", "set", "inet", "cni4j_hostport", NftablesRuleset.LAYOUT.marker());
        net.execInNode("nft", "flush", "chain", "inet", "cni4j_hostport", "prerouting");
        Pod c = bridge.add("pod-c");
        add(bridge, c, 8083);
        assertEquals(1, ruleHandles("prerouting").size(), "the layout is back");
        assertTrue(net.execInNode("nft", "list", "table", "inet", "cni4j_hostport")
                .contains(NftablesRuleset.LAYOUT.marker()));
        assertTrue(hostports().contains("tcp . 8083"), hostports());
        assertTrue(hostports().contains("tcp . 8081"), "earlier pods keep their elements: " + hostports());
    }

    private void add(ReferenceBridge bridge, Pod pod, int hostPort) {
        String conf = bridge.chained(
                "1.0.0",
                "\"type\":\"portmap\",\"backend\":\"nftables\",\"runtimeConfig\":{\"portMappings\":[" + "{\"hostPort\":"
                        + hostPort + ",\"containerPort\":80,\"protocol\":\"tcp\"}]}",
                pod);
        net.runInNode(() -> InProcess.run(
                        Portmap::new, "ADD", pod.containerId(), pod.netns().toString(), "eth0", conf))
                .assertSuccess();
    }

    private String hostports() {
        return net.execInNode("nft", "list", "map", "inet", "cni4j_hostport", "hostports4");
    }

    private List<String> ruleHandles(String chain) {
        String listing = net.execInNode("nft", "-a", "list", "chain", "inet", "cni4j_hostport", chain);
        Matcher m = Pattern.compile("jump hostports # handle (\\d+)").matcher(listing);
        return m.results().map(r -> r.group(1)).toList();
    }
}
