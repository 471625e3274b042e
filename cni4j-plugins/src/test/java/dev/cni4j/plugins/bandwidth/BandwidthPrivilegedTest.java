package dev.cni4j.plugins.bandwidth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import dev.cni4j.testing.TestNetworks;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** bandwidth chained after the reference bridge, in throwaway namespaces. */
class BandwidthPrivilegedTest {
    static final String LIMITS = "\"type\":\"bandwidth\",\"ingressRate\":8000000,\"ingressBurst\":80000,"
            + "\"egressRate\":16000000,\"egressBurst\":160000";

    private TestNetworks net;
    private ReferenceBridge bridge;
    private Pod pod;

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        assumeTrue(ReferenceBridge.available(), "reference bridge plugin not installed");
        net = TestNetworks.create();
        bridge = new ReferenceBridge(net, "bwnet", "cni4jbw0", "[{\"subnet\":\"10.244.9.0/24\"}]");
        pod = bridge.add("pod-a");
    }

    @AfterEach
    void tearDown() {
        if (net != null) {
            net.close();
        }
    }

    private Outcome run(String command, Pod p, String stdin) {
        return net.runInNode(() -> InProcess.run(
                Bandwidth::new, command, p.containerId(), p.netns().toString(), p.ifname(), stdin));
    }

    private String hostVeth() {
        return pod.result().objects("interfaces").get(1).string("name");
    }

    private String ifb() {
        return IfbDevice.name("bwnet", "pod-a");
    }

    private String qdiscs(String dev) {
        return net.execInNode("tc", "qdisc", "show", "dev", dev);
    }

    private boolean linkExists(String name) {
        return net.execInNode("ip", "-o", "link", "show").contains(" " + name + ":");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void addShapesBothDirectionsAndDelRemovesEverything(String version) {
        String conf = bridge.chained(version, LIMITS, pod);
        JsonObject r = run("ADD", pod, conf).assertSuccess().json();
        List<JsonObject> ifaces = r.objects("interfaces");
        assertEquals(4, ifaces.size(), r.toString());
        assertEquals(ifb(), ifaces.get(3).string("name"));
        assertTrue(ifaces.get(3).string("sandbox", "").isEmpty());
        assertTrue(qdiscs(hostVeth()).contains("qdisc tbf " + ownerHandle("pod-a") + " root"), qdiscs(hostVeth()));
        assertTrue(qdiscs(hostVeth()).contains("qdisc ingress ffff:"), qdiscs(hostVeth()));
        assertTrue(qdiscs(ifb()).contains("rate 16Mbit"), qdiscs(ifb()));
        String filters = net.execInNode("tc", "filter", "show", "dev", hostVeth(), "parent", "ffff:");
        assertTrue(filters.contains("mirred (Egress Redirect to device " + ifb() + ")"), filters);
        String ifbLink = net.execInNode("ip", "-o", "link", "show", "dev", ifb());
        String vethLink = net.execInNode("ip", "-o", "link", "show", "dev", hostVeth());
        assertEquals(mtu(vethLink), mtu(ifbLink), "ifb MTU = host veth MTU");
        assertTrue(ifbLink.contains(",UP"), ifbLink);
        if (!version.startsWith("0.3")) {
            run("CHECK", pod, bridge.chained(version, LIMITS, pod)).assertSuccess();
        }
        run("DEL", pod, conf).assertSuccess();
        assertFalse(linkExists(ifb()));
        assertFalse(qdiscs(hostVeth()).contains("tbf"), qdiscs(hostVeth()));
        assertFalse(qdiscs(hostVeth()).contains("ingress"), qdiscs(hostVeth()));
        run("DEL", pod, conf).assertSuccess();
    }

    private static String ownerHandle(String containerId) {
        return Integer.toHexString(IfbOwnerTag.tbfHandle("bwnet", containerId) >>> 16) + ":";
    }

    @Test
    void delTouchesOnlyWhatItsAttachmentMade() {
        String conf = bridge.chained("1.0.0", LIMITS, pod);
        run("ADD", pod, conf).assertSuccess();
        String shaped = qdiscs(hostVeth());

        // A DEL of an attachment that was never shaped, handed pod-a's namespace and veth.
        Pod stranger = new Pod(pod.netns(), "pod-x", pod.ifname(), pod.result());
        run("DEL", stranger, conf).assertSuccess();

        assertEquals(shaped, qdiscs(hostVeth()), "pod-a's tbf and ingress qdisc stay");
        assertTrue(linkExists(ifb()), "pod-a's ifb stays");
        run("CHECK", pod, conf).assertSuccess();

        // Nor a tbf the operator put on a veth of an attachment without limits.
        Pod b = bridge.add("pod-b");
        String veth = b.result().objects("interfaces").get(1).string("name");
        net.execInNode(
                "tc", "qdisc", "replace", "dev", veth, "root", "handle", "1:", "tbf", "rate", "1mbit", "burst", "10kb",
                "latency", "25ms");
        run("DEL", b, bridge.chained("1.0.0", "\"type\":\"bandwidth\"", b)).assertSuccess();
        assertTrue(qdiscs(veth).contains("qdisc tbf 1: root"), qdiscs(veth));

        run("DEL", pod, conf).assertSuccess();
        assertFalse(qdiscs(hostVeth()).contains("tbf"), qdiscs(hostVeth()));
        assertFalse(qdiscs(hostVeth()).contains("ingress"), qdiscs(hostVeth()));
    }

    private static String mtu(String ipLink) {
        return ipLink.replaceAll(".* mtu (\\d+) .*\n?", "$1");
    }

    /**
     * DEL returns once the ifb has left the node (its kernel RCU wait goes on in the background),
     * so an ADD of the same attachment right after it never finds the name taken.
     */
    @Test
    void delThenAddOfTheSameAttachmentTwentyTimes() {
        String conf = bridge.chained("1.0.0", LIMITS, pod);
        for (int i = 0; i < 20; i++) {
            run("ADD", pod, conf).assertSuccess();
            assertTrue(linkExists(ifb()), "round " + i);
            run("DEL", pod, conf).assertSuccess();
            assertFalse(linkExists(ifb()), "ifb gone when DEL returns, round " + i);
            assertFalse(qdiscs(hostVeth()).contains("tbf"), qdiscs(hostVeth()));
        }
    }

    @Test
    void repeatedAddConverges() {
        String conf = bridge.chained("1.0.0", LIMITS, pod);
        run("ADD", pod, conf).assertSuccess();
        run("ADD", pod, conf).assertSuccess();
        run("CHECK", pod, conf).assertSuccess();
        String filters = net.execInNode("tc", "filter", "show", "dev", hostVeth(), "parent", "ffff:");
        assertEquals(1, filters.split("Egress Redirect", -1).length - 1, filters);
    }

    @Test
    void checkNoticesAChangedTbf() {
        String conf = bridge.chained("1.0.0", LIMITS, pod);
        run("ADD", pod, conf).assertSuccess();
        net.execInNode(
                "tc", "qdisc", "replace", "dev", ifb(), "root", "tbf", "rate", "1mbit", "burst", "10kb", "latency",
                "25ms");
        Outcome check = run("CHECK", pod, conf);
        assertEquals(1, check.exit());
        assertTrue(check.json().string("msg").contains("rate"), check.stdout());
        net.execInNode("ip", "link", "del", ifb());
        assertTrue(run("CHECK", pod, conf).json().string("msg").contains("not found"));
    }

    @Test
    void capabilityIsUsedOnlyWithoutStaticConfig() {
        String rc = ",\"runtimeConfig\":{\"bandwidth\":{\"IngressRate\":1000000,\"IngressBurst\":4294967295}}";
        run("ADD", pod, bridge.chained("1.0.0", "\"type\":\"bandwidth\"" + rc, pod))
                .assertSuccess();
        assertTrue(qdiscs(hostVeth()).contains("rate 1Mbit"), qdiscs(hostVeth()));
        assertFalse(linkExists(ifb()));
        // burst clamped to 100 ms at the rate: 12500 bytes, not the wrapped 193 MB
        assertTrue(qdiscs(hostVeth()).contains("burst 12500b"), qdiscs(hostVeth()));
        run("DEL", pod, bridge.chained("1.0.0", "\"type\":\"bandwidth\"" + rc, pod))
                .assertSuccess();
        String both = "\"type\":\"bandwidth\",\"egressRate\":2000000,\"egressBurst\":200000" + rc;
        run("ADD", pod, bridge.chained("1.0.0", both, pod)).assertSuccess();
        assertFalse(qdiscs(hostVeth()).contains("tbf"), "static config wins: no ingress limit");
        assertTrue(qdiscs(ifb()).contains("rate 2Mbit"), qdiscs(ifb()));
    }

    @Test
    void delWorksWhenThePodIsGone() {
        String conf = bridge.chained("1.0.0", LIMITS, pod);
        run("ADD", pod, conf).assertSuccess();
        bridge.del(pod);
        net.exec(net.node(), "true");
        run("DEL", pod, conf).assertSuccess();
        assertFalse(linkExists(ifb()));
        Outcome noNetns = net.runInNode(() -> InProcess.run(Bandwidth::new, "DEL", "pod-a", "", "eth0", conf));
        noNetns.assertSuccess();
    }

    @Test
    void gcRemovesThisNetworksStaleAndOrphanedIfbsOnly() {
        String conf = bridge.chained("1.1.0", LIMITS, pod);
        run("ADD", pod, conf).assertSuccess();
        assertTrue(
                net.execInNode("ip", "-d", "link", "show", "dev", ifb()).contains("alias cni4j-bandwidth bwnet pod-a"));
        Pod stale = bridge.add("pod-b");
        run("ADD", stale, bridge.chained("1.1.0", LIMITS, stale)).assertSuccess();
        // an attachment of another network on the same node, alive
        Pod other = bridge.add("pod-c");
        String otherConf = "{\"cniVersion\":\"1.1.0\",\"name\":\"othernet\"," + LIMITS + ",\"prevResult\":"
                + dev.cni4j.json.Json.write(other.result()) + "}";
        run("ADD", other, otherConf).assertSuccess();
        String orphan = IfbDevice.name("bwnet", "pod-gone");
        net.execInNode("ip", "link", "add", orphan, "type", "ifb");
        String gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"bwnet\",\"type\":\"bandwidth\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"pod-a\",\"ifname\":\"eth0\"}]}";
        net.runInNode(() -> InProcess.run(Bandwidth::new, "GC", "", "", "", gc)).assertSuccess();
        assertFalse(linkExists(orphan), "orphan");
        assertFalse(linkExists(IfbDevice.name("bwnet", "pod-b")), "stale attachment of this network");
        assertTrue(linkExists(ifb()), "valid");
        assertTrue(linkExists(IfbDevice.name("othernet", "pod-c")), "another network's");
    }

    @Test
    void missingPrevResultAndBadConfigAreErrors() {
        Outcome noPrev = run("ADD", pod, bridge.chained("1.0.0", LIMITS, null));
        assertEquals(7L, noPrev.json().integer("code"));
        assertTrue(noPrev.json().string("msg").contains("chained"));
        Outcome noBurst = run("ADD", pod, bridge.chained("1.0.0", "\"type\":\"bandwidth\",\"ingressRate\":1000", pod));
        assertEquals(7L, noBurst.json().integer("code"));
        Outcome old = run("ADD", pod, bridge.chained("0.2.0", LIMITS, null));
        assertEquals(1L, old.json().integer("code"));
        assertFalse(qdiscs(hostVeth()).contains("tbf"));
    }
}
