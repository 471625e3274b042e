package dev.cni4j.testing;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TestNetworksTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void nodeAndPodsAreSeparateAndCleanedUp() throws Exception {
        Path pod;
        Path node;
        try (TestNetworks net = TestNetworks.create()) {
            node = net.node();
            pod = net.newPod();
            assertTrue(TestNetworks.nameOf(pod)
                    .startsWith("cni4jt-" + ProcessHandle.current().pid() + "-"));
            assertTrue(net.execInNode("ip", "link", "show", "lo").contains("UP"), "lo is up in the node");
            assertTrue(net.exec(pod, "ip", "link", "show", "lo").contains("state DOWN"), "lo is down in a new pod");
            String nodeIno = net.runInNode(() ->
                    Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            String podIno = net.runIn(
                    pod,
                    () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net"))
                            .toString());
            assertNotEquals(nodeIno, podIno);
        }
        assertFalse(Files.exists(pod));
        assertFalse(Files.exists(node));
    }

    @Test
    void namespacesStartWithTheKernelDefaultsWhateverTheMachineHas() {
        try (TestNetworks net = TestNetworks.create()) {
            for (Path ns : new Path[] {net.node(), net.newPod()}) {
                for (String key : new String[] {
                    "ip_forward",
                    "conf/all/rp_filter",
                    "conf/default/rp_filter",
                    "conf/all/promote_secondaries",
                    "conf/default/promote_secondaries"
                }) {
                    assertEquals(
                            "0",
                            net.exec(ns, "cat", "/proc/sys/net/ipv4/" + key).trim(),
                            key);
                }
            }
        }
    }

    @Test
    void sweepRemovesOnlyNamespacesOfDeadProcesses() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        String dead = TestNetworks.PREFIX + p.pid() + "-1";
        String alive = TestNetworks.PREFIX + "1-1"; // pid 1 is always alive
        NetNs.create(dead);
        NetNs.delete(alive);
        NetNs.create(alive);
        try {
            assertTrue(TestNetworks.sweepLeftovers() >= 1);
            assertFalse(NetNs.list().contains(dead));
            assertTrue(NetNs.list().contains(alive));
        } finally {
            NetNs.delete(dead);
            NetNs.delete(alive);
        }
    }
}
