package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the loopback plugin needs, against the real kernel in a pod namespace. */
class LinksAndAddressesPrivilegedTest {
    static TestNetworks net;

    @BeforeAll
    static void setUp() {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
    }

    @AfterAll
    static void tearDown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void loopbackUpDownAndAddresses() throws Exception {
        Path pod = net.newPod();
        try (NetNs ns = NetNs.open(pod);
                Rtnl rtnl = Rtnl.open(ns)) {
            Link lo = rtnl.links().get("lo").orElseThrow();
            assertEquals(1, lo.index());
            assertFalse(lo.isUp());
            assertEquals(Link.ARPHRD_LOOPBACK, lo.type());
            assertEquals(lo, rtnl.links().get(1).orElseThrow());
            assertTrue(rtnl.addresses().list(lo.index(), Rtnl.AF_UNSPEC).isEmpty(), "no addresses while down");

            rtnl.links().setUp(lo.index());
            assertTrue(rtnl.links().get("lo").orElseThrow().isUp());
            assertTrue(net.exec(pod, "ip", "link", "show", "lo").contains("LOOPBACK,UP"));
            List<Address> v4 = rtnl.addresses().list(lo.index(), Rtnl.AF_INET);
            assertEquals(1, v4.size());
            assertEquals("127.0.0.1/8", v4.get(0).cidr());
            assertEquals(Address.SCOPE_HOST, v4.get(0).scope());
            List<Address> v6 = rtnl.addresses().list(lo.index(), Rtnl.AF_INET6);
            assertEquals("0:0:0:0:0:0:0:1/128", v6.get(0).cidr());

            rtnl.links().setDown("lo");
            assertFalse(rtnl.links().get(1).orElseThrow().isUp());
            assertTrue(net.exec(pod, "ip", "link", "show", "lo").contains("state DOWN"));
            rtnl.links().setUp("lo");
            assertEquals(
                    List.of("lo"), rtnl.links().list().stream().map(Link::name).toList());
        }
    }

    @Test
    void addressesAddListDelete() throws Exception {
        Path pod = net.newPod();
        try (NetNs ns = NetNs.open(pod);
                Rtnl rtnl = Rtnl.open(ns)) {
            rtnl.links().setUp("lo");
            InetAddress a = InetAddress.getByName("192.0.2.10");
            rtnl.addresses().add(1, a, 24);
            String ip = net.exec(pod, "ip", "-4", "addr", "show", "dev", "lo");
            assertTrue(ip.contains("inet 192.0.2.10/24 brd 192.0.2.255"), ip);
            NetlinkException dup =
                    assertThrows(NetlinkException.class, () -> rtnl.addresses().add(1, a, 24));
            assertEquals("EEXIST", dup.errnoName());
            assertTrue(dup.getMessage().startsWith("add address 192.0.2.10/24 to link #1: EEXIST"), dup.getMessage());

            InetAddress v6 = InetAddress.getByName("2001:db8::10");
            rtnl.addresses().add(1, v6, 64, Address.IFA_F_NODAD);
            Address got = rtnl.addresses().list(1, Rtnl.AF_INET6).stream()
                    .filter(x -> x.address().equals(v6))
                    .findFirst()
                    .orElseThrow();
            assertEquals(64, got.prefixLength());
            assertTrue((got.flags() & Address.IFA_F_NODAD) != 0);
            assertFalse(got.isTentative());
            assertTrue(net.exec(pod, "ip", "-6", "addr", "show", "dev", "lo").contains("2001:db8::10/64"));

            rtnl.addresses().delete(1, a, 24);
            assertFalse(net.exec(pod, "ip", "-4", "addr", "show", "dev", "lo").contains("192.0.2.10"));
            NetlinkException gone =
                    assertThrows(NetlinkException.class, () -> rtnl.addresses().delete(1, a, 24));
            assertEquals("EADDRNOTAVAIL", gone.errnoName());
        }
    }

    @Test
    void missingLinksAreAbsentOrEnodev() throws Exception {
        Path pod = net.newPod();
        try (NetNs ns = NetNs.open(pod);
                Rtnl rtnl = Rtnl.open(ns)) {
            assertTrue(rtnl.links().get("nosuch0").isEmpty());
            assertTrue(rtnl.links().get(4242).isEmpty());
            NetlinkException e =
                    assertThrows(NetlinkException.class, () -> rtnl.links().setUp(4242));
            assertEquals("ENODEV", e.errnoName());
            assertTrue(e.isNotFound());
            assertTrue(e.getMessage().startsWith("set link #4242 up: ENODEV (No such device)"), e.getMessage());
        }
    }

    @Test
    void receiveTimesOutInsteadOfHanging() {
        try (NetNs node = net.openNode();
                NetlinkChannel ch = NetlinkChannel.open(NetlinkChannel.NETLINK_ROUTE, node)) {
            ch.setReceiveTimeout(50);
            LinuxException e = assertThrows(LinuxException.class, () -> ch.receive(new byte[65536]));
            assertEquals("EAGAIN", e.errnoName());
            assertTrue(ch.portId() != 0);
        }
    }

    @Test
    void largeDumpsSpanManyDatagrams() throws Exception {
        Path pod = net.newPod();
        try (NetNs ns = NetNs.open(pod);
                Rtnl rtnl = Rtnl.open(ns)) {
            for (int i = 0; i < 100; i++) {
                rtnl.links().create(dev.cni4j.linux.rtnl.Veth.of("a" + i, "b" + i));
                rtnl.addresses()
                        .add(
                                rtnl.links().require("a" + i).index(),
                                InetAddress.getByName("2001:db8::" + (i + 1)),
                                64,
                                Address.IFA_F_NODAD);
            }
            List<Link> links = rtnl.links().list(); // ~1.5 KB per link: several 32 KB datagrams
            assertEquals(201, links.size());
            assertEquals(201, links.stream().map(Link::index).distinct().count());
            assertEquals(
                    100,
                    rtnl.addresses().list(0, Rtnl.AF_INET6).stream()
                            .filter(a -> a.address().getHostAddress().startsWith("2001:db8:"))
                            .count());
            long fromIp = net.exec(pod, "ip", "-o", "link", "show").lines().count();
            assertEquals(201, fromIp);
        }
    }

    @Test
    void socketStaysInItsNamespace() throws Exception {
        Path a = net.newPod();
        try (NetNs ns = NetNs.open(a);
                Rtnl pod = Rtnl.open(ns);
                Rtnl node = Rtnl.open(net.openNode())) {
            pod.links().setUp("lo");
            assertTrue(pod.links().get("lo").orElseThrow().isUp());
            // same from another thread: still the pod
            assertTrue(Thread.ofVirtual()
                    .start(() -> assertTrue(pod.links().get(1).orElseThrow().isUp()))
                    .join(java.time.Duration.ofSeconds(5)));
            assertTrue(node.links().get("lo").orElseThrow().isUp());
        }
    }

    /**
     * A detached deletion returns with the link gone from the namespace, so the same names can be
     * created right away, again and again, while the kernel's RCU wait of each deletion goes on.
     */
    @Test
    void deleteDetachedFreesTheNamesAtOnce() {
        Path node = net.newPod();
        Path pod = net.newPod();
        try (NetNs nodeNs = NetNs.open(node);
                NetNs podNs = NetNs.open(pod);
                Rtnl host = Rtnl.open(nodeNs);
                Rtnl inPod = Rtnl.open(podNs)) {
            for (int i = 0; i < 20; i++) {
                host.links().create(dev.cni4j.linux.rtnl.Veth.intoNamespace("vethdt0", "eth0", podNs, 1500));
                host.links().create(dev.cni4j.linux.rtnl.Ifb.of("ifbdt0"));
                // the veth from its pod end, as bridge DEL does: both ends leave
                inPod.links().deleteDetached(inPod.links().require("eth0").index());
                assertTrue(inPod.links().get("eth0").isEmpty(), "pod end gone on return, round " + i);
                assertFalse(net.exec(pod, "ip", "-o", "link", "show").contains("eth0"));
                int ifb = host.links().require("ifbdt0").index();
                host.links().deleteDetached(ifb);
                assertTrue(host.links().get("ifbdt0").isEmpty(), "ifb gone on return, round " + i);
                host.links().deleteDetached(ifb); // already gone: fine
            }
            for (int i = 0; i < 100 && host.links().get("vethdt0").isPresent(); i++) {
                Thread.sleep(10); // the host end leaves with the pod end's batch
            }
            assertTrue(host.links().get("vethdt0").isEmpty());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
