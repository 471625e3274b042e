package dev.cni4j.plugins.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.PluginInvocation;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code macspoofchk} against the real kernel: rules in the node namespace, frames from the pods. */
class BridgeMacSpoofCheckPrivilegedTest extends BridgeTestBase {
    String conf(String version, String extra) {
        return conf(version, true, extra);
    }

    String conf(String version, boolean spoofCheck, String extra) {
        return bridgeConf(version, ",\"macspoofchk\":" + spoofCheck + extra, V4);
    }

    JsonObject add(String id, Path pod) {
        return run("ADD", id, pod, conf("1.0.0", "")).assertSuccess().json();
    }

    String table() {
        return net.execInNode("nft", "list", "table", "bridge", "nat");
    }

    /** One echo answered within 1 s, out of up to 3 (one alone fails now and then on a loaded machine). */
    boolean ping(Path from, String to) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                net.exec(from, "busybox", "ping", "-c", "1", "-W", "1", to);
                return true;
            } catch (IllegalStateException e) {
                // try again: a spoofed MAC fails every attempt
            }
        }
        return false;
    }

    /** Packets counted by the drop rule of attachment {@code id}. */
    long dropped(String id) {
        String chain = net.execInNode("nft", "list", "chain", "bridge", "nat", "cni-br-iface-" + id + "-mac");
        Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+ drop").matcher(chain);
        assertTrue(m.find(), chain);
        return Long.parseLong(m.group(1));
    }

    @Test
    void ownMacPassesAndAnyOtherIsDropped() {
        Path a = net.newPod();
        JsonObject r = add("pod-a", a);
        String veth = r.objects("interfaces").get(1).string("name");
        String mac = r.objects("interfaces").get(2).string("mac");
        String rules = table();
        assertTrue(rules.contains("type filter hook prerouting priority dstnat; policy accept;"), rules);
        assertTrue(
                rules.contains(
                        "iifname \"" + veth + "\" jump cni-br-iface-pod-a-eth0 comment \"macspoofchk-pod-a-eth0\""),
                rules);
        assertTrue(rules.contains("jump cni-br-iface-pod-a-eth0-mac comment \"macspoofchk-pod-a-eth0\""), rules);
        assertTrue(rules.contains("ether saddr " + mac + " return comment \"macspoofchk-pod-a-eth0\""), rules);

        assertTrue(ping(a, "10.244.1.1"), "the pod's own MAC passes");
        assertEquals(0, dropped("pod-a-eth0"));

        net.exec(a, "ip", "link", "set", "eth0", "address", "0a:58:de:ad:be:ef");
        net.execInNode("ip", "neigh", "flush", "dev", "cni0"); // so replies would find the new MAC
        assertFalse(ping(a, "10.244.1.1"), "a spoofed MAC is dropped");
        assertTrue(dropped("pod-a-eth0") > 0, "the drop rule counted the spoofed frames");

        // Control: without macspoofchk the same MAC change on the same bridge still reaches the gateway.
        Path c = net.newPod();
        run("ADD", "pod-c", c, conf("1.0.0", false, "")).assertSuccess();
        net.exec(c, "ip", "link", "set", "eth0", "address", "0a:58:de:ad:be:ee");
        net.execInNode("ip", "neigh", "flush", "dev", "cni0");
        assertTrue(ping(c, "10.244.1.1"), "the changed MAC alone does not break the ping");
        assertFalse(table().contains("pod-c-eth0"), "no rules without macspoofchk");

        net.exec(a, "ip", "link", "set", "eth0", "address", mac);
        net.exec(a, "ip", "neigh", "flush", "dev", "eth0");
        assertTrue(ping(a, "10.244.1.1"), "back to its own MAC, the pod passes again");
    }

    @Test
    void delRemovesTheRulesEvenWithThePodNamespaceGone() {
        Path a = net.newPod();
        Path b = net.newPod();
        add("pod-a", a);
        add("pod-b", b);
        run("DEL", "pod-a", a, conf("1.0.0", "")).assertSuccess();
        String rules = table();
        assertFalse(rules.contains("pod-a-eth0"), rules);
        assertTrue(rules.contains("macspoofchk-pod-b-eth0"), "the other pod keeps its rules: " + rules);
        run("DEL", "pod-a", a, conf("1.0.0", "")).assertSuccess();

        // The namespace is gone (and with it the veth): the rules are found by comment.
        run("DEL", "pod-b", tmp.resolve("no-such-netns"), conf("1.0.0", "")).assertSuccess();
        assertFalse(table().contains("pod-b-eth0"), table());
        assertTrue(table().contains("chain PREROUTING"), "table and base chain stay, as the reference leaves them");
        run("DEL", "pod-b", null, conf("1.0.0", "")).assertSuccess();
    }

    @Test
    void gcRemovesOnlyInvalidAttachmentsOfThisBridge() {
        Path a = net.newPod();
        Path b = net.newPod();
        add("pod-a", a);
        add("pod-b", b);
        // Another network's attachment on another bridge, and a leftover whose veth is gone.
        net.execInNode("ip", "link", "add", "br1", "type", "bridge");
        net.execInNode("ip", "link", "add", "vethother", "type", "veth", "peer", "name", "vethpeer");
        net.execInNode("ip", "link", "set", "vethother", "master", "br1");
        net.runInNode(() -> {
            new MacSpoofCheck("other", "net1").setup("vethother", "0a:58:00:00:00:01");
            new MacSpoofCheck("gone", "eth0").setup("vethgone", "0a:58:00:00:00:02");
            return null;
        });

        String gc = conf("1.1.0", ",\"cni.dev/valid-attachments\":[{\"containerID\":\"pod-a\",\"ifname\":\"eth0\"}]");
        net.runInNode(() -> new PluginInvocation("bridge", "GC", "", "", "")
                        .env("CNI_PATH", binDir.toString())
                        .run(gc))
                .assertSuccess();
        String rules = table();
        assertTrue(rules.contains("macspoofchk-pod-a-eth0"), "valid attachment kept: " + rules);
        assertTrue(rules.contains("macspoofchk-other-net1"), "another bridge's attachment kept: " + rules);
        assertFalse(rules.contains("pod-b-eth0"), "invalid attachment removed: " + rules);
        assertFalse(rules.contains("gone-eth0"), "leftover of a vanished veth removed: " + rules);
        assertTrue(ping(a, "10.244.1.1"), "the valid pod still passes");
    }

    @Test
    void failureAfterTheStepLeavesNoRule() {
        Path a = net.newPod();
        Outcome o = net.runInNode(() -> new PluginInvocation("bridge", "ADD", "pod-a", a.toString(), "eth0")
                .env("CNI_PATH", binDir.toString())
                .env("CNI4J_FAILPOINT", "macspoofchk")
                .run(conf("1.0.0", "")));
        assertEquals(1, o.exit(), o.stdout());
        assertTrue(o.json().string("msg").contains("failpoint macspoofchk"), o.stdout());
        assertFalse(table().contains("pod-a-eth0"), table());
        add("pod-a", a);
        assertEquals(
                4,
                Pattern.compile("macspoofchk-pod-a-eth0")
                        .matcher(table())
                        .results()
                        .count(),
                "one set of rules after a retried ADD: " + table());
    }

    @Test
    void anIdTooLongForNftIsRejectedBeforeAnythingIsMade() {
        Path a = net.newPod();
        for (String id : new String[] {"c".repeat(200), "c".repeat(64 * 1024)}) {
            Outcome o = net.runInNode(() -> new PluginInvocation("bridge", "ADD", id, a.toString(), "eth0")
                    .env("CNI_PATH", binDir.toString())
                    .run(conf("1.0.0", "")));
            assertEquals(1, o.exit(), o.stdout());
            assertEquals(7L, o.json().integer("code"), o.stdout());
            assertTrue(o.json().string("msg").contains("macspoofchk"), o.stdout());
        }
        assertFalse(net.execInNode("ip", "-o", "link").contains("cni0"), "no bridge made");
    }
}
