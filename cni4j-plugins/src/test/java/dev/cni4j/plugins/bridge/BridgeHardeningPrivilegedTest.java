package dev.cni4j.plugins.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bridge's masquerade rules with names Linux accepts but script text cannot carry as is (issue
 * 12): an interface name with {@code "}, {@code ;}, {@code #}, braces works, makes exactly its
 * own rule and nothing else, and DEL removes it; a 64 KiB container ID works too.
 */
class BridgeHardeningPrivilegedTest extends BridgeTestBase {
    String conf(String backend) {
        return bridgeConf("1.0.0", ",\"ipMasq\":true,\"ipMasqBackend\":\"" + backend + "\"", V4);
    }

    String tables() {
        return net.execInNode("nft", "list", "tables");
    }

    String masqChecks() {
        return net.execInNode("nft", "list", "chain", "inet", "cni_plugins_masquerade", "masq_checks");
    }

    static String ip(JsonObject result) {
        String a = result.objects("ips").get(0).string("address");
        return a.substring(0, a.indexOf('/'));
    }

    @ParameterizedTest
    @ValueSource(strings = {"e\"th0", "e;th0", "e#th0", "e{th0", "e}th0", "a\"b;c#d{e}\\"})
    void interfaceNamesWithScriptPunctuationWorkWithNftables(String ifname) {
        Path pod = net.newPod();
        String tablesBefore = tables();
        JsonObject r = run("ADD", "pod-a", pod, ifname, conf("nftables"))
                .assertSuccess()
                .json();
        assertTrue(net.exec(pod, "ip", "-o", "link", "show").contains(ifname + "@"), "the pod has its interface");
        String ip = ip(r);
        String chain = masqChecks();
        assertEquals(
                1, chain.lines().filter(l -> l.contains(" masquerade comment ")).count(), chain);
        assertTrue(chain.contains("ip saddr " + ip + " ip daddr != 10.244.1.0/24 masquerade comment \""), chain);
        assertTrue(chain.contains(", if: " + ifname.replace("\"", "") + ", id: pod-a\""), chain);
        assertEquals(
                tablesBefore.lines().count() + 1,
                tables().lines().count(),
                "only the masquerade table is new: " + tables());
        run("CHECK", "pod-a", pod, ifname, withPrev(conf("nftables"), r)).assertSuccess();
        run("DEL", "pod-a", pod, ifname, withPrev(conf("nftables"), r)).assertSuccess();
        assertFalse(masqChecks().contains(" masquerade comment "), masqChecks());
        run("DEL", "pod-a", pod, ifname, withPrev(conf("nftables"), r)).assertSuccess();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void aContainerIdOf64KiBWorksAndDelRemovesItsRules(String backend) {
        Path pod = net.newPod();
        String id = "c".repeat(64 * 1024);
        JsonObject r =
                run("ADD", id, pod, "eth0", conf(backend)).assertSuccess().json();
        String ip = ip(r);
        String rules = net.execInNode("nft", "list", "ruleset") + net.execInNode("iptables-save", "-t", "nat");
        assertTrue(rules.contains(ip), rules);
        run("DEL", id, pod, "eth0", withPrev(conf(backend), r)).assertSuccess();
        rules = net.execInNode("nft", "list", "ruleset") + net.execInNode("iptables-save", "-t", "nat");
        assertFalse(rules.contains(ip), rules);
    }

    @Test
    void interfaceNamesNoLinkCanHaveAreRejectedAtTheEntryPoint() {
        Path pod = net.newPod();
        for (String ifname : new String[] {"e\nth0", "e th0", "x".repeat(64 * 1024)}) {
            Outcome o = run("ADD", "pod-a", pod, ifname, conf("nftables"));
            assertEquals(1, o.exit(), o.stdout());
            assertEquals(4L, o.json().integer("code"), o.stdout());
        }
        assertFalse(tables().contains("cni_plugins_masquerade"), tables());
    }

    /**
     * macspoofchk names chains after {@code <containerID>-<ifname>}: written as nft JSON, any
     * interface name works (as with the reference), and teardown finds it again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"e\"th0", "e;th0", "e#th0", "e{th0", "e}th0", "eth@0", "a\"b;c#d{e}\\"})
    void interfaceNamesWithScriptPunctuationWorkWithMacspoofchk(String ifname) {
        Path pod = net.newPod();
        String conf = conf("nftables").replace("\"ipMasq\":true", "\"ipMasq\":false,\"macspoofchk\":true");
        String tablesBefore = tables();
        JsonObject r = run("ADD", "pod-a", pod, ifname, conf).assertSuccess().json();
        String json = net.execInNode("nft", "-j", "list", "table", "bridge", "nat");
        String id = dev.cni4j.json.Json.write("cni-br-iface-pod-a-" + ifname);
        assertTrue(json.contains("\"name\": " + id), json);
        assertTrue(json.contains("\"name\": " + id.substring(0, id.length() - 1) + "-mac\""), json);
        assertEquals(
                4,
                json.split(
                                        "\"comment\": "
                                                + java.util.regex.Pattern.quote(
                                                        dev.cni4j.json.Json.write("macspoofchk-pod-a-" + ifname)),
                                        -1)
                                .length
                        - 1,
                json);
        assertEquals(tablesBefore.lines().count() + 1, tables().lines().count(), "only bridge nat is new: " + tables());
        run("DEL", "pod-a", pod, ifname, withPrev(conf, r)).assertSuccess();
        String after = net.execInNode("nft", "-j", "list", "table", "bridge", "nat");
        assertFalse(after.contains("pod-a"), after);
        run("DEL", "pod-a", pod, ifname, withPrev(conf, r)).assertSuccess();
    }

    /** nft refusing the masquerade rules is a CNI error with nft's message, no Java exception, and nothing left. */
    @Test
    void anNftFailureIsACleanErrorAndAddLeavesNothing() {
        Path pod = net.newPod();
        net.execInNode("nft", "add", "table", "inet", "cni_plugins_masquerade");
        net.execInNode(
                "nft",
                "add",
                "chain",
                "inet",
                "cni_plugins_masquerade",
                "postrouting",
                "{ type filter hook postrouting priority 0; }");
        Outcome o = run("ADD", "pod-a", pod, "eth0", conf("nftables"));
        assertEquals(1, o.exit(), o.stdout());
        assertEquals(999L, o.json().integer("code"), o.stdout());
        String msg = o.json().string("msg");
        assertTrue(msg.startsWith("bridge: failed to set up masquerade rules: nft"), msg);
        assertFalse(msg.contains("Exception"), msg);
        assertFalse(o.stderr().contains("\tat "), "no stack trace: " + o.stderr());
        assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "the veth is gone");
    }
}
