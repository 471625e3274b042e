package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.e2e.Exec.Outcome;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** dist/bin/loopback executed as a runtime would: every verb at every version, and bad input. */
class LoopbackExecTest {

    static List<String> versions() {
        return CniVersion.ALL;
    }

    static String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"cni-loopback\",\"type\":\"loopback\"}";
    }

    /** stdout must hold exactly one JSON object and nothing else. */
    static JsonObject onlyJson(Outcome o) {
        assertTrue(o.stdout().startsWith("{") && o.stdout().endsWith("}"), "stdout: " + o.stdout());
        return o.json();
    }

    static void assertError(Outcome o, long code) {
        assertEquals(1, o.exit(), o.stdout() + o.stderr());
        JsonObject e = onlyJson(o);
        assertEquals(code, e.integer("code"), o.stdout());
        assertTrue(e.string("msg").length() > 0);
    }

    @Test
    void versionListsAllSeven() {
        Outcome o = Exec.run("loopback", Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.1.0\"}");
        assertEquals(0, o.exit(), o.stderr());
        assertEquals(CniVersion.ALL, onlyJson(o).strings("supportedVersions"));
        assertEquals("", o.stderr(), "no JVM warnings");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void everyVerbAtEveryVersion(String version) {
        TestNetworks.assumePrivileged();
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            Outcome add = net.runInNode(
                    () -> Exec.run("loopback", Exec.env("ADD", "ctr1", pod.toString(), "lo"), conf(version)));
            assertEquals(0, add.exit(), add.stdout() + add.stderr());
            assertEquals(version, onlyJson(add).string("cniVersion"));
            assertEquals("", add.stderr());
            assertTrue(net.exec(pod, "ip", "-o", "link", "show", "lo").contains("UP"));
            Outcome check = net.runInNode(
                    () -> Exec.run("loopback", Exec.env("CHECK", "ctr1", pod.toString(), "lo"), conf(version)));
            if (CniVersion.atLeast(version, "0.4.0")) {
                assertEquals(0, check.exit(), check.stdout());
                assertEquals("", check.stdout());
            } else {
                assertError(check, 1);
            }
            for (String verb : List.of("GC", "STATUS")) {
                Outcome o = Exec.run("loopback", Exec.env(verb, "", "", ""), conf(version));
                if (CniVersion.atLeast(version, "1.1.0")) {
                    assertEquals(0, o.exit(), o.stdout());
                    assertEquals("", o.stdout());
                } else {
                    assertError(o, 1);
                }
            }
            for (int i = 0; i < 2; i++) {
                Outcome del = net.runInNode(
                        () -> Exec.run("loopback", Exec.env("DEL", "ctr1", pod.toString(), "lo"), conf(version)));
                assertEquals(0, del.exit(), del.stdout());
                assertEquals("", del.stdout());
            }
            assertTrue(!net.exec(pod, "ip", "-o", "link", "show", "lo").contains(",UP"));
        }
    }

    @Test
    void badInputGetsTheRightCode() {
        assertError(Exec.run("loopback", Exec.env("ADD", "ctr1", "/run/netns/x", "lo"), "{not json"), 6);
        assertError(
                Exec.run("loopback", Exec.env("ADD", "ctr1", "/run/netns/x", "lo"), "{\"cniVersion\":\"1.0.0\"}"), 7);
        assertError(Exec.run("loopback", Exec.env("ADD", "ctr1", "/run/netns/x", "lo"), conf("2.0.0")), 1);
        assertError(Exec.run("loopback", Exec.env("ADD", "", "/run/netns/x", "lo"), conf("1.0.0")), 4);
        assertError(Exec.run("loopback", Exec.env("ADD", "ctr/1", "/run/netns/x", "lo"), conf("1.0.0")), 4);
        assertError(Exec.run("loopback", Exec.env("ADD", "ctr1", "/run/netns/x", "a:b"), conf("1.0.0")), 4);
        assertError(Exec.run("loopback", Exec.env("ADD", "ctr1", "", "lo"), conf("1.0.0")), 4);
        assertError(Exec.run("loopback", Exec.env("FROB", "ctr1", "/x", "lo"), conf("1.0.0")), 4);
        assertError(
                Exec.run("loopback", Exec.env("ADD", "ctr1", "/run/netns/cni4jt-does-not-exist", "lo"), conf("1.0.0")),
                4);
    }

    @Test
    void withoutCommandItDescribesItselfOnStderr() {
        Outcome o = Exec.run("loopback", Map.of(), "");
        assertEquals(0, o.exit());
        assertEquals("", o.stdout());
        assertTrue(o.stderr().contains("loopback"));
    }
}
