package dev.cni4j.plugins.loopback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.PluginInvocation;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The loopback plugin in-process against the real kernel, in throwaway namespaces. */
class LoopbackPrivilegedTest {
    private TestNetworks net;
    private Path pod;

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
        pod = net.newPod();
    }

    @AfterEach
    void tearDown() {
        if (net != null) {
            net.close();
        }
    }

    static List<String> versions() {
        return CniVersion.ALL;
    }

    static String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"cni-loopback\",\"type\":\"loopback\"}";
    }

    private Outcome run(String command, String netns, String stdin) {
        return net.runInNode(() -> new PluginInvocation("loopback", command, "c1", netns, "lo").run(stdin));
    }

    private boolean loIsUp() {
        String link = net.exec(pod, "ip", "-o", "link", "show", "lo");
        return link.contains("<LOOPBACK,UP");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void addBringsLoUpAndDelTakesItDown(String version) {
        assertFalse(loIsUp(), "a new namespace has lo down");
        Outcome add = run("ADD", pod.toString(), conf(version)).assertSuccess();
        assertTrue(loIsUp());
        JsonObject r = add.json();
        assertEquals(version, r.string("cniVersion"));
        if (CniVersion.schemaOf(version) == CniVersion.Schema.V02) {
            assertEquals("127.0.0.1/8", r.object("ip4").string("ip"));
        } else {
            JsonObject lo = r.objects("interfaces").get(0);
            assertEquals("lo", lo.string("name"));
            assertEquals(pod.toString(), lo.string("sandbox"));
            assertEquals("127.0.0.1/8", r.objects("ips").get(0).string("address"));
            assertEquals(0L, r.objects("ips").get(0).integer("interface"));
            assertEquals("::1/128", r.objects("ips").get(1).string("address"));
        }
        if (CniVersion.atLeast(version, "0.4.0")) {
            assertEquals(
                    "",
                    run("CHECK", pod.toString(), conf(version)).assertSuccess().stdout());
        }
        assertEquals(
                "", run("DEL", pod.toString(), conf(version)).assertSuccess().stdout());
        assertFalse(loIsUp());
        run("DEL", pod.toString(), conf(version)).assertSuccess();
    }

    @Test
    void checkFailsWhenLoIsDown() {
        Outcome o = run("CHECK", pod.toString(), conf("1.0.0"));
        assertEquals(1, o.exit());
        assertTrue(o.json().string("msg").contains("loopback interface is down"), o.stdout());
    }

    @Test
    void chainedAddPassesPrevResultThrough() {
        String stdin = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"loopback\",\"prevResult\":"
                + "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.22.0.5/24\",\"gateway\":\"10.22.0.1\"}]}}";
        JsonObject r = run("ADD", pod.toString(), stdin).assertSuccess().json();
        assertEquals("10.22.0.5/24", r.objects("ips").get(0).string("address"));
        assertTrue(loIsUp());
    }

    @Test
    void delSucceedsWithoutNamespace() {
        run("DEL", "", conf("0.3.1")).assertSuccess();
        run("DEL", "/run/netns/cni4jt-never-existed", conf("0.3.1")).assertSuccess();
    }

    @Test
    void addToAMissingNamespaceIsCode4AndAFileIsRejected() {
        Outcome missing = run("ADD", "/run/netns/cni4jt-never-existed", conf("1.0.0"));
        assertEquals(1, missing.exit());
        assertEquals(4L, missing.json().integer("code"));
        Outcome notNetns = run("ADD", "/etc/hostname", conf("1.0.0"));
        assertEquals(1, notNetns.exit());
        assertEquals(4L, notNetns.json().integer("code"));
    }
}
