package dev.cni4j.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @Test
    void defaults() {
        AgentConfig c = AgentConfig.of(Map.of("nodeName", "n1"));
        assertTrue(c.valid(), c.problems().toString());
        assertEquals("vxlan", c.backend());
        assertEquals(Path.of("/etc/cni/net.d"), c.confDir());
        assertEquals(Path.of("/opt/cni/bin"), c.binDir());
        assertEquals(Path.of("/run/cni4j/podcidr"), c.podCidrFile());
        assertEquals("cni4j.1", c.vtepDevice());
        assertEquals(1, c.vni());
        assertEquals(8472, c.vxlanPort());
        assertEquals("10.244.0.0/16", c.clusterCidr().toString());
        assertNull(c.netns());
        assertNull(c.clusterCidrV6(), "no IPv6 cluster CIDR unless set");
        assertNull(c.fastPathSocket(), "the fast path is opt-in (the ConfigMap turns it on)");
        assertFalse(c.fastPathOtherMountNamespaces());
    }

    @Test
    void watchSilence() {
        assertEquals(
                150,
                AgentConfig.of(Map.of("nodeName", "n1")).watchSilenceSeconds(),
                "bookmarks come about every minute");
        AgentConfig c = AgentConfig.load(null, Map.of("NODE_NAME", "n1", "CNI4J_WATCH_SILENCE_SECONDS", "90"));
        assertEquals(90, c.watchSilenceSeconds());
        assertTrue(String.join(
                        "\n",
                        AgentConfig.of(Map.of("nodeName", "n1", "watchSilenceSeconds", "0"))
                                .problems())
                .contains("watchSilenceSeconds: \"0\" is not a positive number"));
    }

    @Test
    void fastPathSettings() {
        AgentConfig on = AgentConfig.of(Map.of(
                "nodeName", "n1", "fastPathSocket", "/run/cni4j/cni.sock", "fastPathOtherMountNamespaces", "true"));
        assertTrue(on.valid(), on.problems().toString());
        assertEquals(Path.of("/run/cni4j/cni.sock"), on.fastPathSocket());
        assertTrue(on.fastPathOtherMountNamespaces());
        assertEquals("CNI4J_FAST_PATH_SOCKET", AgentConfig.envName("fastPathSocket"));
        AgentConfig bad = AgentConfig.of(
                Map.of("nodeName", "n1", "fastPathSocket", "cni.sock", "fastPathOtherMountNamespaces", "yes"));
        String all = String.join("\n", bad.problems());
        assertTrue(all.contains("fastPathSocket") && all.contains("fastPathOtherMountNamespaces"), all);
    }

    @Test
    void ipv6ClusterCidr() {
        assertEquals("CNI4J_CLUSTER_CIDR_V6", AgentConfig.envName("clusterCidrV6"));
        AgentConfig c =
                AgentConfig.load(null, Map.of("NODE_NAME", "n1", "CNI4J_CLUSTER_CIDR_V6", " fd00:10:244::1/48 "));
        assertTrue(c.valid(), c.problems().toString());
        assertEquals("fd00:10:244::/48", c.clusterCidrV6().toString(), "host bits cleared");
        for (String bad : new String[] {"10.245.0.0/16", "fd00:10:244::", "fd00::/129", "cluster"}) {
            AgentConfig b = AgentConfig.of(Map.of("nodeName", "n1", "clusterCidrV6", bad));
            assertFalse(b.valid(), bad);
            assertNull(b.clusterCidrV6(), bad);
            assertEquals(1, b.problems().size(), b.problems().toString());
            assertTrue(
                    b.problems().get(0).startsWith("clusterCidrV6: "),
                    b.problems().toString());
        }
        assertTrue(AgentConfig.of(Map.of("nodeName", "n1", "clusterCidrV6", "10.245.0.0/16"))
                .problems()
                .get(0)
                .contains("not an IPv6 CIDR"));
    }

    @Test
    void conflistCniVersion() {
        assertNull(
                AgentConfig.of(Map.of("nodeName", "n1")).conflistCniVersion(), "unset: the default conflist's 1.0.0");
        assertEquals("CNI4J_CONFLIST_CNI_VERSION", AgentConfig.envName("conflistCniVersion"));
        AgentConfig c = AgentConfig.load(null, Map.of("NODE_NAME", "n1", "CNI4J_CONFLIST_CNI_VERSION", "1.1.0"));
        assertTrue(c.valid(), c.problems().toString());
        assertEquals("1.1.0", c.conflistCniVersion());
        assertEquals(java.util.List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"), AgentConfig.CONFLIST_CNI_VERSIONS);
        for (String bad : new String[] {"0.2.0", "1.2.0", "1.0", "latest"}) {
            AgentConfig b = AgentConfig.of(Map.of("nodeName", "n1", "conflistCniVersion", bad));
            assertEquals(
                    java.util.List.of(
                            "conflistCniVersion: \"" + bad + "\" is not one of [0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0]"),
                    b.problems());
            assertNull(b.conflistCniVersion());
        }
    }

    @Test
    void fileThenEnvironment(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.properties");
        Files.writeString(f, "backend=host-gw\nclusterCidr=10.42.0.0/16\nnodeName=from-file\n");
        AgentConfig c = AgentConfig.load(
                f, Map.of("NODE_NAME", "from-env", "CNI4J_CLUSTER_CIDR", "10.43.0.0/16", "PATH", "/bin"));
        assertTrue(c.valid(), c.problems().toString());
        assertEquals("host-gw", c.backend());
        assertEquals("from-env", c.nodeName());
        assertEquals("10.43.0.0/16", c.clusterCidr().toString());
        assertEquals("CNI4J_VTEP_DEVICE", AgentConfig.envName("vtepDevice"));
    }

    @Test
    void badValuesAreCollectedNotThrown() {
        AgentConfig c = AgentConfig.of(
                Map.of("backend", "udp", "clusterCidr", "10.244.0.0", "vni", "-1", "firewall", "pf", "colour", "red"));
        assertFalse(c.valid());
        String all = String.join("\n", c.problems());
        for (String s : new String[] {
            "unknown backend \"udp\"",
            "node name not set",
            "clusterCidr",
            "vni",
            "unknown firewall",
            "unknown setting \"colour\""
        }) {
            assertTrue(all.contains(s), s + " in " + all);
        }
    }
}
