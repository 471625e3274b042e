package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.plugins.bandwidth.InProcess;
import dev.cni4j.plugins.bandwidth.ReferenceBridge;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import dev.cni4j.testing.TestNetworks;
import org.junit.jupiter.api.Test;

/**
 * The hostPort example's {@code "externalSetMarkChain": "KUBE-MARK-MASQ"} on a node without
 * kube-proxy: the ADD fails with one sentence that names the missing chain and what makes it,
 * not iptables-restore's whole input on one line.
 */
class PortmapErrorMessagePrivilegedTest {
    @Test
    void aMissingKubeMarkMasqChainIsOneClearSentence() {
        TestNetworks.assumePrivileged();
        assumeTrue(ReferenceBridge.available(), "reference bridge plugin not installed");
        try (TestNetworks net = TestNetworks.create()) {
            ReferenceBridge bridge = new ReferenceBridge(net, "pmnet", "cni4jpm0", "[{\"subnet\":\"10.244.12.0/24\"}]");
            Pod pod = bridge.add("pod-a");
            String conf = bridge.chained(
                    "1.0.0",
                    "\"type\":\"portmap\",\"backend\":\"iptables\"," + "\"externalSetMarkChain\":\"KUBE-MARK-MASQ\","
                            + PortmapPrivilegedTest.MAPPINGS,
                    pod);
            Outcome o = net.runInNode(() -> InProcess.run(
                    Portmap::new, "ADD", pod.containerId(), pod.netns().toString(), pod.ifname(), conf));
            assertEquals(1, o.exit(), o.stdout());
            JsonObject error = o.json();
            assertEquals(999L, error.integer("code"));
            String msg = error.string("msg");
            assertTrue(
                    msg.startsWith("portmap: failed to set up port mappings: iptables-restore --noflush: "
                            + "Chain 'KUBE-MARK-MASQ' does not exist (input line "),
                    msg);
            assertTrue(
                    msg.endsWith("-j KUBE-MARK-MASQ); kube-proxy (iptables mode) creates KUBE-MARK-MASQ: start it "
                            + "first, or leave out externalSetMarkChain"),
                    msg);
            assertFalse(msg.contains("\n") || msg.contains("COMMIT") || msg.contains("*nat"), msg);
            assertNull(error.string("details"), "no script dump");
            String rules = net.execInNode("iptables-save");
            assertFalse(rules.contains(PortMappingRules.dnatChain("pmnet", pod.containerId())), rules);
        }
    }
}
