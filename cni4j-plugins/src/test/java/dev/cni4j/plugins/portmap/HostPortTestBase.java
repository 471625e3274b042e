package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.plugins.bandwidth.InProcess;
import dev.cni4j.plugins.bandwidth.ReferenceBridge;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/**
 * The node the hostPort tests share: the reference bridge with one pod on it, an "outside" host on
 * the node's uplink ({@link OutsideHost}: node {@value #NODE_IP}, outside {@value #OUTSIDE_IP}) and
 * an {@link Echo} for servers and clients, all gone after each test.
 */
abstract class HostPortTestBase {
    static final String NODE_IP = "192.0.2.1";
    static final String OUTSIDE_IP = "192.0.2.2";

    TestNetworks net;
    ReferenceBridge bridge;
    Pod pod;
    Path outside;
    Echo echo;

    /**
     * Skips the test without root or the reference bridge; otherwise makes the node with the
     * network {@code network} on the bridge {@code device} over {@code subnet}, the pod
     * {@code podId} on it, and the outside host.
     */
    void startNode(String network, String device, String subnet, String podId) {
        startNet();
        echo = new Echo(net);
        bridge = new ReferenceBridge(net, network, device, "[{\"subnet\":\"" + subnet + "\"}]");
        pod = bridge.add(podId);
        outside = OutsideHost.attach(net, NODE_IP + "/24", OUTSIDE_IP + "/24");
    }

    /** Skips the test without root or the reference bridge; otherwise makes the node namespace only. */
    void startNet() {
        TestNetworks.assumePrivileged();
        assumeTrue(ReferenceBridge.available(), "reference bridge plugin not installed");
        net = TestNetworks.create();
    }

    /** The outside host reaches the pods' 10.244.0.0/16 through the node. */
    void routePodsFromOutside() {
        net.exec(outside, "ip", "route", "add", "10.244.0.0/16", "via", NODE_IP);
    }

    @AfterEach
    void closeNode() {
        if (echo != null) {
            echo.close();
        }
        if (net != null) {
            net.close();
        }
    }

    /** portmap's {@code command} for {@code p}, in-process in the node. */
    Outcome run(String command, Pod p, String stdin) {
        return net.runInNode(() ->
                InProcess.run(Portmap::new, command, p.containerId(), p.netns().toString(), p.ifname(), stdin));
    }

    /** portmap chained after the bridge's result for {@code p} (none when null), on {@code backend}. */
    String conf(String backend, String extra, Pod p) {
        return bridge.chained("1.0.0", "\"type\":\"portmap\",\"backend\":\"" + backend + "\"" + extra, p);
    }

    /** Everything netfilter holds in the node: nft tables and the iptables-nft rules of both families. */
    String netfilterRules() {
        return net.execInNode("nft", "list", "ruleset")
                + net.execInNode("iptables-save")
                + net.execInNode("ip6tables-save");
    }

    /** No rule, set element or chain of the bridge's network names {@code p} or its address. */
    void assertNothingLeftOf(Pod p) {
        String rules = netfilterRules();
        assertFalse(rules.contains(bridge.network() + "/" + p.containerId()), rules);
        assertFalse(rules.contains(PortMappingRules.dnatChain(bridge.network(), p.containerId())), rules);
        assertFalse(rules.contains(p.ip() + " . "), rules);
        assertFalse(rules.contains("to " + p.ip()), rules);
    }
}
