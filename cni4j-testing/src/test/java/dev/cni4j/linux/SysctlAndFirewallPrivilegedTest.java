package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.linux.netfilter.Conntrack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SysctlAndFirewallPrivilegedTest extends PodNamespaceTestBase {
    @Test
    void sysctlIsPerNamespace() {
        // Both start from a value set here: a new namespace may copy the machine's own.
        try (NetNs node = net.openNode()) {
            Sysctl.set(node, "net/ipv4/ip_forward", "0");
            Sysctl.set(podNs, "net/ipv4/ip_forward", "0");
            assertEquals("0", Sysctl.get(podNs, "net/ipv4/ip_forward"));
            Sysctl.set(podNs, "net.ipv4.ip_forward", "1");
            assertEquals("1", Sysctl.get(podNs, "net.ipv4.ip_forward"));
            assertEquals(
                    "1", net.exec(pod, "cat", "/proc/sys/net/ipv4/ip_forward").trim());
            assertEquals("0", Sysctl.get(node, "net/ipv4/ip_forward"), "the node namespace is untouched");
        }
        LinuxException e = assertThrows(LinuxException.class, () -> Sysctl.get(podNs, "net/ipv4/no_such_key"));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains("/proc/sys/net/ipv4/no_such_key"), e.getMessage());
    }

    @Test
    void detectPicksNftablesHere() {
        FirewallBackend b = FirewallBackend.detect(podNs);
        assertEquals("nftables", b.name());
    }

    /** With libnftables in-process (the daemon), detection asks nf_tables itself: no nft transaction. */
    @Test
    void detectWithTheLibraryAsksTheKernel() {
        boolean was = dev.cni4j.linux.firewall.Nft.usingLibrary();
        try {
            dev.cni4j.linux.firewall.Nft.useLibrary(true);
        } catch (UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort("libnftables not loadable: " + e.getMessage());
        }
        try {
            long before = dev.cni4j.linux.firewall.Nft.libraryRuns();
            assertEquals("nftables", FirewallBackend.detect(podNs).name());
            assertEquals(
                    "nftables", podNs.run(() -> FirewallBackend.detect(null)).name());
            assertEquals(before, dev.cni4j.linux.firewall.Nft.libraryRuns(), "no libnftables transaction");
        } finally {
            dev.cni4j.linux.firewall.Nft.useLibrary(was);
        }
    }

    /**
     * With the nft binary (a standalone plugin), detection asks nf_tables too: no exec of
     * {@code nft list tables}, ~5 ms of each bridge and portmap call.
     */
    @Test
    void detectWithTheBinaryExecsNothing() {
        assertFalse(dev.cni4j.linux.firewall.Nft.usingLibrary(), "this test is about the exec path");
        boolean was = KernelCalls.enabled();
        KernelCalls.enable(true);
        try {
            KernelCalls.reset();
            assertEquals("nftables", FirewallBackend.detect(podNs).name());
            assertEquals(
                    "nftables", podNs.run(() -> FirewallBackend.detect(null)).name());
            assertTrue(
                    KernelCalls.snapshot().keySet().stream().noneMatch(k -> k.startsWith("exec ")),
                    "no exec: " + KernelCalls.snapshot().keySet());
            assertTrue(
                    KernelCalls.snapshot().keySet().stream().anyMatch(k -> k.contains("NFT_MSG_GETGEN")),
                    "asked the kernel: " + KernelCalls.snapshot().keySet());
        } finally {
            KernelCalls.reset();
            KernelCalls.enable(was);
        }
    }

    @Test
    void nftablesBatchListDeleteByComment() {
        NftablesBackend nft = new NftablesBackend(podNs);
        nft.apply("""
                add table inet cni4jt
                add chain inet cni4jt post { type nat hook postrouting priority 100; }
                add rule inet cni4jt post ip saddr 10.88.0.0/16 masquerade comment "pod-a"
                add rule inet cni4jt post ip saddr 10.89.0.0/16 masquerade comment "pod-b"
                """);
        assertTrue(nft.chainExists("inet cni4jt", "post"));
        assertTrue(net.exec(pod, "nft", "list", "ruleset").contains("comment \"pod-a\""));
        assertEquals(1, nft.deleteRulesWithComment("inet cni4jt", "post", "pod-a"));
        String rules = nft.list();
        assertFalse(rules.contains("pod-a"), rules);
        assertTrue(rules.contains("pod-b"), rules);
        nft.deleteChain("inet cni4jt", "post");
        assertFalse(nft.chainExists("inet cni4jt", "post"));
        nft.deleteTable("inet cni4jt");
        nft.deleteTable("inet cni4jt"); // idempotent
        assertFalse(net.exec(pod, "nft", "list", "ruleset").contains("cni4jt"));
        try (NetNs node = net.openNode()) {
            assertFalse(new NftablesBackend(node).list().contains("cni4jt"), "only the pod namespace changed");
        }
        FirewallException e = assertThrows(FirewallException.class, () -> nft.apply("add rule inet nosuch c drop\n"));
        assertTrue(e.stderr().contains("No such file or directory"), e.getMessage());
    }

    @Test
    void iptablesRestoreBatches() {
        IptablesBackend ipt = IptablesBackend.ipv4(podNs);
        ipt.apply("""
                *nat
                :CNI4JT - [0:0]
                -A POSTROUTING -s 10.88.0.0/16 -j CNI4JT
                -A CNI4JT -s 10.88.0.0/16 -m comment --comment pod-a -j MASQUERADE
                -A CNI4JT -s 10.89.0.0/16 -m comment --comment "pod b" -j MASQUERADE
                COMMIT
                """);
        assertTrue(ipt.chainExists("nat", "CNI4JT"));
        assertTrue(net.exec(pod, "iptables", "-t", "nat", "-S", "CNI4JT").contains("pod-a"));
        assertEquals(1, ipt.deleteRulesWithComment("nat", "CNI4JT", "pod-a"));
        assertEquals(1, ipt.deleteRulesWithComment("nat", "CNI4JT", "pod b"));
        assertFalse(ipt.list("nat").contains("MASQUERADE"));
        ipt.apply("*nat\n-D POSTROUTING -s 10.88.0.0/16 -j CNI4JT\nCOMMIT\n");
        ipt.deleteChain("nat", "CNI4JT");
        assertFalse(ipt.chainExists("nat", "CNI4JT"));
        ipt.deleteChain("nat", "CNI4JT"); // absent: nothing happens

        IptablesBackend ip6 = IptablesBackend.ipv6(podNs);
        ip6.apply(
                "*filter\n:CNI4JT6 - [0:0]\n-A CNI4JT6 -s 2001:db8::/32 -m comment --comment pod-a -j ACCEPT\nCOMMIT\n");
        assertTrue(ip6.chainExists("filter", "CNI4JT6"));
        assertEquals(1, ip6.deleteRulesWithComment("filter", "CNI4JT6", "pod-a"));
        ip6.deleteChain("filter", "CNI4JT6");
        assertFalse(ip6.chainExists("filter", "CNI4JT6"));
        assertThrows(FirewallException.class, () -> ipt.apply("*nat\n-A NOSUCHCHAIN -j ACCEPT\nCOMMIT\n"));
    }

    /** The probe that lets DEL skip iptables-save: both places an iptables table can live. */
    @Test
    void mayHaveTableFollowsTheKernel() {
        IptablesBackend ipt = IptablesBackend.ipv4(podNs);
        IptablesBackend ip6 = IptablesBackend.ipv6(podNs);
        assertFalse(ipt.mayHaveTable("nat"), "a fresh namespace has no nat table");
        assertFalse(ip6.mayHaveTable("nat"));
        net.exec(pod, "nft", "add table ip nat"); // where iptables-nft keeps it
        assertTrue(ipt.mayHaveTable("nat"));
        assertFalse(ip6.mayHaveTable("nat"), "ip6 is another family");
        assertFalse(ipt.mayHaveTable("raw"));
        net.exec(pod, "nft", "delete table ip nat");
        assertFalse(ipt.mayHaveTable("nat"));
        if (java.nio.file.Files.isExecutable(Path.of("/usr/sbin/ip6tables-legacy"))) {
            net.exec(pod, "ip6tables-legacy", "-t", "nat", "-N", "CNI4JT"); // an x_tables table in the namespace
            assertTrue(ip6.mayHaveTable("nat"));
            net.exec(pod, "ip6tables-legacy", "-t", "nat", "-X", "CNI4JT");
        }
    }

    /**
     * The probes and conntrack keep one NETLINK_NETFILTER socket per namespace: closing a used one makes
     * nf_tables take the namespace's commit mutex and, after any deletion, wait an RCU grace
     * period holding it, which serialised every concurrent DEL behind each probe.
     */
    @Test
    void probesKeepOneNetfilterSocketPerNamespace() throws Exception {
        IptablesBackend ipt = IptablesBackend.ipv4(podNs);
        for (int i = 0; i < 20; i++) {
            assertFalse(ipt.mayHaveTable("nat"));
            assertEquals("nftables", FirewallBackend.detect(podNs).name());
            try (Conntrack ct = Conntrack.open(podNs)) {
                assertTrue(ct.list(Conntrack.AF_INET).isEmpty());
            }
        }
        assertEquals(1, podNs.run(SysctlAndFirewallPrivilegedTest::netfilterSockets), "one socket, kept");
    }

    /** NETLINK_NETFILTER (12) sockets in the calling thread's namespace, from its netlink table. */
    private static long netfilterSockets() throws IOException {
        return Files.readAllLines(Path.of("/proc/thread-self/net/netlink")).stream()
                .skip(1)
                .map(line -> line.trim().split("\\s+"))
                .filter(f -> f.length > 2 && f[1].equals("12") && !f[2].equals("0")) // Pid 0: the kernel's own
                .count();
    }
}
