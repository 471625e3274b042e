package dev.cni4j.plugins.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.PluginInvocation;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.spec.CniVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The bridge plugin with our host-local, in-process, against the real kernel in throwaway namespaces. */
class BridgePrivilegedTest extends BridgeTestBase {
    static final String V6 = "[[{\"subnet\":\"fd00:10:244:1::/64\"}]]";
    static final String DUAL = "[[{\"subnet\":\"10.244.1.0/24\"}],[{\"subnet\":\"fd00:10:244:1::/64\"}]]";

    String conf(String version, String extra, String ranges) {
        return bridgeConf(version, ",\"isDefaultGateway\":true" + extra, ranges);
    }

    static String addressOf(JsonObject result, boolean v6) {
        if (result.has("ip4") || result.has("ip6")) {
            String a = result.object(v6 ? "ip6" : "ip4").string("ip");
            return a.substring(0, a.indexOf('/'));
        }
        for (JsonObject ip : result.objects("ips")) {
            String a = ip.string("address");
            if (a.contains(":") == v6) {
                return a.substring(0, a.indexOf('/'));
            }
        }
        throw new AssertionError("no address in " + result);
    }

    boolean ping(Path from, String to) {
        try {
            net.exec(from, "busybox", to.contains(":") ? "ping6" : "ping", "-c", "1", "-W", "2", to);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    long reservations() throws IOException {
        Path dir = dataDir.resolve("podnet");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("lock") && !n.startsWith("last_reserved_ip"))
                    .count();
        }
    }

    static List<String> versions() {
        return CniVersion.ALL;
    }

    @ParameterizedTest
    @MethodSource("versions")
    void podsGetAddressesAndReachTheGatewayAndEachOther(String version) throws IOException {
        Path a = net.newPod();
        Path b = net.newPod();
        JsonObject ra =
                run("ADD", "pod-a", a, conf(version, "", V4)).assertSuccess().json();
        JsonObject rb =
                run("ADD", "pod-b", b, conf(version, "", V4)).assertSuccess().json();
        assertEquals(version, ra.string("cniVersion"));
        if (CniVersion.schemaOf(version) == CniVersion.Schema.V02) {
            assertEquals("10.244.1.1", ra.object("ip4").string("gateway"));
        } else {
            List<JsonObject> ifaces = ra.objects("interfaces");
            assertEquals("cni0", ifaces.get(0).string("name"));
            assertTrue(ifaces.get(1).string("name").startsWith("veth"));
            assertEquals("eth0", ifaces.get(2).string("name"));
            assertEquals(a.toString(), ifaces.get(2).string("sandbox"));
            assertEquals(2L, ra.objects("ips").get(0).integer("interface"));
            assertEquals("10.244.1.1", ra.objects("ips").get(0).string("gateway"));
        }
        String ipA = addressOf(ra, false);
        String ipB = addressOf(rb, false);
        assertTrue(net.execInNode("ip", "-o", "addr", "show", "cni0").contains("10.244.1.1/24"));
        assertTrue(net.exec(a, "ip", "route").contains("default via 10.244.1.1"));
        assertTrue(ping(a, "10.244.1.1"), "pod reaches its gateway");
        assertTrue(ping(a, ipB), "pod a reaches pod b");
        assertTrue(ping(b, ipA), "pod b reaches pod a");
        assertEquals("1", net.execInNode("cat", "/proc/sys/net/ipv4/ip_forward").trim());
        if (CniVersion.atLeast(version, "0.4.0")) {
            run("CHECK", "pod-a", a, withPrev(conf(version, "", V4), ra)).assertSuccess();
        }
        assertEquals(2, reservations());
        for (int i = 0; i < 2; i++) {
            run("DEL", "pod-a", a, withPrev(conf(version, "", V4), ra)).assertSuccess();
            run("DEL", "pod-b", b, conf(version, "", V4)).assertSuccess();
        }
        assertEquals(0, reservations());
        assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no veth left");
        assertFalse(net.exec(a, "ip", "-o", "link").contains("eth0"));
    }

    @Test
    void ipv6AndDualStack() {
        Path a = net.newPod();
        Path b = net.newPod();
        JsonObject ra =
                run("ADD", "pod-a", a, conf("1.0.0", "", DUAL)).assertSuccess().json();
        JsonObject rb =
                run("ADD", "pod-b", b, conf("1.0.0", "", DUAL)).assertSuccess().json();
        assertEquals(2, ra.objects("ips").size());
        String v6b = addressOf(rb, true);
        assertTrue(net.exec(a, "ip", "-6", "addr", "show", "eth0").contains(addressOf(ra, true)));
        assertFalse(net.exec(a, "ip", "-6", "addr", "show", "eth0").contains("tentative"), "DAD is off by default");
        assertTrue(ping(a, v6b), "v6 pod to pod");
        assertTrue(ping(a, addressOf(rb, false)), "v4 pod to pod");
        assertTrue(net.exec(a, "ip", "-6", "route").contains("default via fd00:10:244:1::1"));
        run("CHECK", "pod-a", a, withPrev(conf("1.0.0", "", DUAL), ra)).assertSuccess();
        Path c = net.newPod();
        JsonObject rc =
                run("ADD", "pod-c", c, conf("1.1.0", "", V6)).assertSuccess().json();
        assertEquals(1, rc.objects("ips").size());
    }

    /**
     * The main plugin of the Kubernetes "Network Plugins" page's example conflists carries keys of
     * the network provider (policy, kubernetes, datastore_type, nodename, log_level): our bridge
     * takes them without error (the node agent writes "policy": {"type": "k8s"}).
     */
    @Test
    void acceptsTheNetworkPluginsPageKeys() {
        Path a = net.newPod();
        String extra = ",\"log_level\":\"info\",\"datastore_type\":\"kubernetes\",\"nodename\":\"127.0.0.1\","
                + "\"policy\":{\"type\":\"k8s\"},\"kubernetes\":{\"kubeconfig\":\"/etc/cni/net.d/calico-kubeconfig\"}";
        JsonObject ra =
                run("ADD", "pod-a", a, conf("1.0.0", extra, V4)).assertSuccess().json();
        assertTrue(net.exec(a, "ip", "addr", "show", "eth0").contains(addressOf(ra, false)));
        run("CHECK", "pod-a", a, withPrev(conf("1.0.0", extra, V4), ra)).assertSuccess();
        run("DEL", "pod-a", a, conf("1.0.0", extra, V4)).assertSuccess();
    }

    @Test
    void checkFailsWhenTheAddressIsGone() {
        Path a = net.newPod();
        JsonObject ra =
                run("ADD", "pod-a", a, conf("1.0.0", "", V4)).assertSuccess().json();
        net.exec(a, "ip", "addr", "flush", "dev", "eth0");
        Outcome check = run("CHECK", "pod-a", a, withPrev(conf("1.0.0", "", V4), ra));
        assertEquals(1, check.exit());
        assertTrue(check.json().string("msg").contains("lacks address"), check.stdout());
    }

    @Test
    void failedAddLeavesNothingBehind() throws IOException {
        Path a = net.newPod();
        // A stale gateway from another subnet, with another pod on the bridge: ADD must fail after
        // IPAM and after creating the veth, and undo both.
        run("ADD", "pod-a", a, conf("1.0.0", "", V4)).assertSuccess();
        net.execInNode("ip", "addr", "add", "10.99.0.1/24", "dev", "cni0");
        net.execInNode("ip", "addr", "del", "10.244.1.1/24", "dev", "cni0");
        Path b = net.newPod();
        Outcome failed = run("ADD", "pod-b", b, conf("1.0.0", "", V4));
        assertEquals(1, failed.exit(), failed.stdout());
        assertTrue(failed.json().string("msg").contains("already has an IP address different"), failed.stdout());
        assertTrue(failed.json().string("details").contains("forceAddress"), failed.stdout());
        assertEquals(1, reservations(), "the failed pod's IP was released");
        assertFalse(net.exec(b, "ip", "-o", "link").contains("eth0"), "no half-made veth in the pod");
        assertEquals(
                1,
                net.execInNode("ip", "-o", "link", "show", "type", "veth")
                        .lines()
                        .count(),
                "only pod a's veth");
        // With forceAddress the stale address is replaced.
        run("ADD", "pod-b", b, conf("1.0.0", ",\"forceAddress\":true", V4)).assertSuccess();
        String cni0 = net.execInNode("ip", "-o", "addr", "show", "cni0");
        assertTrue(cni0.contains("10.244.1.1/24") && !cni0.contains("10.99.0.1"), cni0);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0.0.0.0/0", "::/0", "::ffff:10.0.0.0/120", "fe80::/64"})
    void aSubnetIpamRejectsCreatesNothing(String subnet) throws IOException {
        Path a = net.newPod();
        Outcome o = run("ADD", "pod-a", a, conf("1.0.0", "", "[[{\"subnet\":\"" + subnet + "\"}]]"));
        assertEquals(7, o.json().integer("code"), o.stdout());
        assertTrue(o.json().string("msg").contains("invalid subnet \"" + subnet + "\""), o.stdout());
        assertFalse(net.execInNode("ip", "-o", "link").contains("cni0"), "no bridge");
        assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no veth");
        assertFalse(net.exec(a, "ip", "-o", "link").contains("eth0"), "no container interface");
        assertEquals(0, reservations());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {"ipam", "bridge", "veth", "attach", "macspoofchk", "container", "gateway", "masquerade", "result"
            })
    void failureAfterEachStepLeavesNoLinkReservationOrRule(String step) throws IOException {
        Path a = net.newPod();
        String c = conf("1.0.0", ",\"ipMasq\":true,\"ipMasqBackend\":\"iptables\",\"macspoofchk\":true", DUAL);
        addFailingAt(step, a, c);
        assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no host veth");
        assertFalse(net.exec(a, "ip", "-o", "link").contains("eth0"), "no container interface");
        String nat = net.execInNode("iptables-save", "-t", "nat") + net.execInNode("ip6tables-save", "-t", "nat");
        assertFalse(nat.contains("10.244.1.") || nat.contains("CNI-"), "no masquerade rule: " + nat);
        String nft = net.execInNode("nft", "list", "ruleset");
        assertFalse(nft.contains("macspoofchk-") || nft.contains("cni-br-iface-"), "no spoof-check rule: " + nft);
        // The same pod then comes up normally.
        run("ADD", "pod-a", a, c).assertSuccess();
    }

    /** The nftables masquerade rules go in beside the link work (IpMasq.start): undone from every step too. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {"ipam", "bridge", "veth", "attach", "container", "gateway", "masquerade", "result"})
    void failureAfterEachStepLeavesNoNftMasqueradeRule(String step) throws IOException {
        Path a = net.newPod();
        String c = conf("1.0.0", ",\"ipMasq\":true,\"ipMasqBackend\":\"nftables\"", DUAL);
        addFailingAt(step, a, c);
        String nft = net.execInNode("nft", "list", "ruleset");
        assertFalse(nft.contains(" masquerade comment "), "no masquerade rule: " + nft);
        run("ADD", "pod-a", a, c).assertSuccess();
        assertTrue(net.execInNode("nft", "list", "ruleset").contains(" masquerade comment "), "rules of the retry");
    }

    /** ADD of pod-a with the failpoint {@code step}: it fails there and gives its addresses back. */
    private void addFailingAt(String step, Path pod, String conf) throws IOException {
        Outcome o = net.runInNode(() -> new PluginInvocation("bridge", "ADD", "pod-a", pod.toString(), "eth0")
                .env("CNI_PATH", binDir.toString())
                .env("CNI4J_FAILPOINT", step)
                .run(conf));
        assertEquals(1, o.exit(), o.stdout());
        assertTrue(o.json().string("msg").contains("failpoint " + step), o.stdout());
        assertEquals(0, reservations(), "IPs released");
    }

    @Test
    void staleGatewayIsReconciledWhenNoPodUsesTheBridge() {
        net.execInNode("ip", "link", "add", "cni0", "type", "bridge");
        net.execInNode("ip", "addr", "add", "10.99.0.1/24", "dev", "cni0");
        Path a = net.newPod();
        run("ADD", "pod-a", a, conf("1.0.0", "", V4)).assertSuccess();
        String cni0 = net.execInNode("ip", "-o", "addr", "show", "cni0");
        assertTrue(cni0.contains("10.244.1.1/24") && !cni0.contains("10.99.0.1"), cni0);
    }

    @Test
    void ipamFailureLeavesNoVeth() throws IOException {
        Path a = net.newPod();
        Path b = net.newPod();
        String tiny = "[[{\"subnet\":\"10.244.1.0/30\"}]]"; // one usable address after the gateway
        run("ADD", "pod-a", a, conf("1.0.0", "", tiny)).assertSuccess();
        Outcome full = run("ADD", "pod-b", b, conf("1.0.0", "", tiny));
        assertEquals(1, full.exit(), full.stdout());
        assertEquals(
                1,
                net.execInNode("ip", "-o", "link", "show", "type", "veth")
                        .lines()
                        .count());
        assertFalse(net.exec(b, "ip", "-o", "link").contains("eth0"));
        assertEquals(1, reservations());
    }

    @Test
    void bridgeNfCallIptablesIsOnAndHairpinAndIsolationAreSet() {
        net.execInNode("sh", "-c", "echo 0 > /proc/sys/net/bridge/bridge-nf-call-iptables");
        Path a = net.newPod();
        JsonObject r = run("ADD", "pod-a", a, conf("1.0.0", ",\"hairpinMode\":true,\"portIsolation\":\"true\"", V4))
                .assertSuccess()
                .json();
        assertEquals(
                "1",
                net.execInNode("cat", "/proc/sys/net/bridge/bridge-nf-call-iptables")
                        .trim());
        assertTrue(net.execInNode("ip", "-d", "link", "show", "cni0").contains("nf_call_iptables 1"));
        String port = net.execInNode(
                "ip", "-d", "link", "show", r.objects("interfaces").get(1).string("name"));
        assertTrue(port.contains("hairpin on"), port);
        assertTrue(port.contains("isolated on"), port);
    }

    @Test
    void ipMasqRulesFollowThePod() {
        Path a = net.newPod();
        String masq = ",\"ipMasq\":true,\"ipMasqBackend\":\"nftables\"";
        JsonObject r =
                run("ADD", "pod-a", a, conf("1.0.0", masq, V4)).assertSuccess().json();
        String ip = addressOf(r, false);
        String rules = net.execInNode("nft", "list", "table", "inet", "cni_plugins_masquerade");
        assertTrue(rules.contains("ip saddr " + ip + " ip daddr != 10.244.1.0/24 masquerade"), rules);
        run("DEL", "pod-a", a, withPrev(conf("1.0.0", masq, V4), r)).assertSuccess();
        assertFalse(net.execInNode("nft", "list", "table", "inet", "cni_plugins_masquerade")
                .contains(ip));

        String ipt = ",\"ipMasq\":true,\"ipMasqBackend\":\"iptables\"";
        JsonObject r2 =
                run("ADD", "pod-b", a, conf("1.0.0", ipt, V4)).assertSuccess().json();
        String ip2 = addressOf(r2, false);
        assertTrue(net.execInNode("iptables-save", "-t", "nat").contains("-A POSTROUTING -s " + ip2 + "/32"));
        // DEL after the pod namespace is gone still removes the rules (addresses come from prevResult).
        net.exec(a, "ip", "link", "del", "eth0");
        run("DEL", "pod-b", a, withPrev(conf("1.0.0", ipt, V4), r2)).assertSuccess();
        assertFalse(net.execInNode("iptables-save", "-t", "nat").contains(ip2));
    }

    @Test
    void ipMasqLaysTheSharedTableOutOnlyWhenItsLayoutIsMissing() {
        String masq = ",\"ipMasq\":true,\"ipMasqBackend\":\"nftables\"";
        run("ADD", "pod-a", net.newPod(), conf("1.0.0", masq, V4)).assertSuccess();
        String first = net.execInNode("nft", "-a", "list", "chain", "inet", "cni_plugins_masquerade", "postrouting");
        JsonObject b = run("ADD", "pod-b", net.newPod(), conf("1.0.0", masq, V4))
                .assertSuccess()
                .json();
        assertEquals(
                first,
                net.execInNode("nft", "-a", "list", "chain", "inet", "cni_plugins_masquerade", "postrouting"),
                "the second ADD did not flush and refill postrouting");
        assertTrue(net.execInNode("nft", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks")
                .contains("ip saddr " + addressOf(b, false) + " "));
        // as the reference (or a layout of another version) leaves it: no marker; postrouting emptied
        net.execInNode("nft", "delete", "set", "inet", "cni_plugins_masquerade", IpMasq.NFT_LAYOUT.marker());
        net.execInNode("nft", "flush", "chain", "inet", "cni_plugins_masquerade", "postrouting");
        run("ADD", "pod-c", net.newPod(), conf("1.0.0", masq, V4)).assertSuccess();
        assertTrue(
                net.execInNode("nft", "list", "chain", "inet", "cni_plugins_masquerade", "postrouting")
                        .contains("goto masq_checks"),
                "the layout is back");
    }

    @Test
    void badConfigsCreateNothing() {
        Path a = net.newPod();
        for (String extra : List.of(
                ",\"vlan\":5000",
                ",\"ipMasq\":true,\"ipMasqBackend\":\"ebtables\"",
                ",\"hairpinMode\":true,\"promiscMode\":true",
                ",\"mtu\":\"1500\"",
                ",\"vlanTrunk\":[{\"minID\":10}]")) {
            Outcome o = run("ADD", "pod-a", a, conf("1.0.0", extra, V4));
            assertEquals(1, o.exit(), extra);
            assertEquals(7L, o.json().integer("code"), extra + " " + o.stdout());
        }
        Outcome badRange = run(
                "ADD",
                "pod-a",
                a,
                conf(
                        "1.0.0",
                        "",
                        "[[{\"subnet\":\"10.244.1.0/24\",\"gateway\":\"10.9.9.9\",\"rangeStart\":\"10.250.0.1\"}]]"));
        assertEquals(1, badRange.exit());
        assertFalse(net.execInNode("ip", "-o", "link").contains("veth"));
        assertFalse(
                net.execInNode("ip", "-o", "link").contains("cni0"), "validation happens before the bridge is made");
    }

    @Test
    void containerMacFromRuntimeConfig() {
        Path a = net.newPod();
        String c = conf("1.0.0", ",\"runtimeConfig\":{\"mac\":\"0a:58:0a:f4:01:63\"}", V4);
        JsonObject r = run("ADD", "pod-a", a, c).assertSuccess().json();
        assertEquals("0a:58:0a:f4:01:63", r.objects("interfaces").get(2).string("mac"));
        assertTrue(net.exec(a, "ip", "link", "show", "eth0").contains("0a:58:0a:f4:01:63"));
    }

    /**
     * DEL returns once the pod's veth has left both namespaces (the kernel's RCU wait of the
     * deletion goes on in the background), so an ADD with the same container ID and ifname right
     * after it never fails on a name still taken.
     */
    @Test
    void delThenAddWithTheSameNamesTwentyTimes() {
        Path pod = net.newPod();
        String conf = conf("1.0.0", "", V4);
        for (int i = 0; i < 20; i++) {
            JsonObject r = run("ADD", "pod-a", pod, conf).assertSuccess().json();
            String hostVeth = r.objects("interfaces").get(1).string("name");
            assertTrue(net.exec(pod, "ip", "-o", "link", "show").contains("eth0"), "round " + i);
            run("DEL", "pod-a", pod, conf).assertSuccess();
            assertFalse(
                    net.exec(pod, "ip", "-o", "link", "show").contains("eth0"),
                    "eth0 gone when DEL returns, round " + i);
            assertFalse(
                    net.execInNode("ip", "-o", "link", "show").contains(hostVeth + "@"),
                    "host end gone too, round " + i);
        }
        run("DEL", "pod-a", pod, conf).assertSuccess();
    }
}
