package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.rtnl.*;
import dev.cni4j.testing.TestNetworks;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Creating, inspecting (cross-checked with ip/bridge) and deleting every link kind. */
class LinkKindsPrivilegedTest {
    TestNetworks net;
    NetNs nodeNs;
    Rtnl node;

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
        nodeNs = net.openNode();
        node = Rtnl.open(nodeNs);
    }

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
        if (nodeNs != null) {
            nodeNs.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void vethIntoPodNamespaceWithRandomHostName() throws Exception {
        Path podPath = net.newPod();
        try (NetNs pod = NetNs.open(podPath);
                Rtnl podRtnl = Rtnl.open(pod)) {
            String host = node.links()
                    .createVethWithRandomName(
                            Veth.intoNamespace(null, "eth0", pod, 1400).withPeerMac("0a:58:0a:f4:00:05"));
            assertTrue(host.matches("veth[0-9a-f]{8}"), host);
            Link h = node.links().require(host);
            assertEquals("veth", h.kind());
            assertEquals(1400, h.mtu());
            assertTrue(h.linkNetnsId() >= 0, "peer lives in another namespace");
            Link eth0 = podRtnl.links().require("eth0");
            assertEquals("0a:58:0a:f4:00:05", eth0.mac());
            assertEquals(h.index(), eth0.parentIndex(), "veth peers point at each other");
            assertEquals(eth0.index(), h.parentIndex());
            String ip = net.exec(podPath, "ip", "-d", "link", "show", "eth0");
            assertTrue(
                    ip.contains("link/ether 0a:58:0a:f4:00:05") && ip.contains("veth") && ip.contains("mtu 1400"), ip);

            NetlinkException dup = assertThrows(
                    NetlinkException.class, () -> node.links().create(Veth.intoNamespace(host, "eth1", pod, 0)));
            assertEquals("EEXIST", dup.errnoName());
            assertTrue(
                    dup.getMessage().startsWith("create veth link " + host + ": EEXIST (File exists)"),
                    dup.getMessage());
            // the peer's name taken in the pod: no new host name helps, so no retry and nothing left
            NetlinkException peerTaken = assertThrows(
                    NetlinkException.class,
                    () -> node.links().createVethWithRandomName(Veth.intoNamespace(null, "eth0", pod, 0)));
            assertEquals("EEXIST", peerTaken.errnoName());
            assertEquals(
                    1,
                    net.execInNode("ip", "-o", "link", "show", "type", "veth")
                            .lines()
                            .count(),
                    "only the first pair");

            node.links().delete(host);
            assertTrue(podRtnl.links().get("eth0").isEmpty(), "deleting one end deletes the peer");
            assertTrue(node.links().get(host).isEmpty());
        }
    }

    @Test
    void bridgeWithPortOptionsAndMaster() {
        node.links().create(new Bridge("cni4jtbr0", 1450, null, null, true, true));
        Link br = node.links().require("cni4jtbr0");
        assertEquals("bridge", br.kind());
        String d = net.execInNode("ip", "-d", "link", "show", "cni4jtbr0");
        assertTrue(d.contains("nf_call_iptables 1") && d.contains("nf_call_ip6tables 1") && d.contains("mtu 1450"), d);

        node.links().create(Veth.of("p0", "p1"));
        Link p0 = node.links().require("p0");
        node.links().setMaster(p0.index(), br.index());
        assertEquals(br.index(), node.links().require("p0").masterIndex());
        node.bridgePorts().setHairpin(p0.index(), true);
        node.bridgePorts().setIsolated(p0.index(), true);
        node.bridgePorts().setLearning(p0.index(), false);
        String port = net.execInNode("bridge", "-d", "link", "show", "dev", "p0");
        assertTrue(port.contains("hairpin on") && port.contains("isolated on") && port.contains("learning off"), port);
        node.bridgePorts().setHairpin(p0.index(), false);
        assertTrue(net.execInNode("bridge", "-d", "link", "show", "dev", "p0").contains("hairpin off"));

        try (Rtnl root = Rtnl.openCurrent()) { // read-only look at this machine's namespace
            assertTrue(root.links().get("cni4jtbr0").isEmpty(), "the bridge exists in the node namespace only");
        }
        node.links().setNoMaster(p0.index());
        assertEquals(0, node.links().require("p0").masterIndex());
        node.links().delete(br.index());
        assertTrue(node.links().get("cni4jtbr0").isEmpty());
    }

    @Test
    void bridgeVlansOrTheKernelsReasonWhyNot() {
        node.links().create(Bridge.of("br0"));
        node.links().create(Veth.of("p0", "p1"));
        int br = node.links().require("br0").index(),
                p0 = node.links().require("p0").index();
        node.links().setMaster(p0, br);
        try {
            node.bridgePorts().addVlan(p0, 10, true, true, false);
        } catch (NetlinkException e) {
            // this test kernel is built without CONFIG_BRIDGE_VLAN_FILTERING
            assertEquals("EOPNOTSUPP", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().startsWith("add vlan 10 to link #" + p0 + ": EOPNOTSUPP"), e.getMessage());
            return;
        }
        BridgeVlan v = node.bridgePorts().listVlans(p0).stream()
                .filter(x -> x.vid() == 10)
                .findFirst()
                .orElseThrow();
        assertTrue(v.isPvid() && v.isUntagged());
        assertTrue(net.execInNode("bridge", "vlan", "show", "dev", "p0").contains("10 PVID"));
        node.bridgePorts().deleteVlan(p0, 10, false);
        assertTrue(node.bridgePorts().listVlans(p0).stream().noneMatch(x -> x.vid() == 10));
    }

    @Test
    void ifbAndVxlan() throws Exception {
        node.links().create(Ifb.of("ifb0"));
        assertEquals("ifb", node.links().require("ifb0").kind());
        node.links().create(Veth.of("u0", "u1"));
        int u0 = node.links().require("u0").index();
        node.links().setUp(u0);
        node.addresses().add(u0, InetAddress.getByName("192.0.2.1"), 24);
        node.links().create(Vxlan.of("vx0", 42, InetAddress.getByName("192.0.2.1"), u0));
        Link vx = node.links().require("vx0");
        assertEquals("vxlan", vx.kind());
        String d = net.execInNode("ip", "-d", "link", "show", "vx0");
        assertTrue(
                d.contains("vxlan id 42 local 192.0.2.1 dev u0")
                        && d.contains("dstport 4789")
                        && d.contains("nolearning"),
                d);
        node.links().delete("vx0");
        node.links().delete("ifb0");
        assertTrue(node.links().get("vx0").isEmpty() && node.links().get("ifb0").isEmpty());
    }

    @Test
    void changeMtuMacNamePromiscAndMove() throws Exception {
        node.links().create(Veth.of("m0", "m1"));
        int m0 = node.links().require("m0").index();
        node.links().setMtu(m0, 1280);
        node.links().setMac(m0, "02:00:00:00:00:42");
        node.links().setPromiscuous(m0, true);
        node.links().setName(m0, "renamed0");
        Link l = node.links().get(m0).orElseThrow();
        assertEquals("renamed0", l.name());
        assertEquals(1280, l.mtu());
        assertEquals("02:00:00:00:00:42", l.mac());
        assertTrue(l.isPromiscuous());
        assertTrue(net.execInNode("ip", "link", "show", "renamed0").contains("PROMISC"));
        node.links().setPromiscuous(m0, false);
        assertFalse(node.links().get(m0).orElseThrow().isPromiscuous());

        node.links().setUp(m0);
        assertTrue(node.links().get(m0).orElseThrow().isUp());
        Path podPath = net.newPod();
        try (NetNs pod = NetNs.open(podPath);
                Rtnl podRtnl = Rtnl.open(pod)) {
            node.links().moveTo(m0, pod);
            assertTrue(node.links().get("renamed0").isEmpty());
            assertEquals(1280, podRtnl.links().require("renamed0").mtu());
            assertTrue(net.exec(podPath, "ip", "link", "show", "renamed0").contains("renamed0"));
        }
    }

    @Test
    void unknownKindCarriesTheKernelsExtendedAck() {
        LinkSpec bogus = new LinkSpec() {
            public String name() {
                return "x0";
            }

            public String kind() {
                return "nosuchkind";
            }

            public void encode(MessageBuilder m) {
                m.attrString(3, "x0");
                int info = m.beginNested(18);
                m.attrString(1, "nosuchkind");
                m.endNested(info);
            }
        };
        NetlinkException e =
                assertThrows(NetlinkException.class, () -> node.links().create(bogus));
        assertEquals("EOPNOTSUPP", e.errnoName());
        assertEquals("Unknown device type", e.extAck());
        assertEquals(
                "create nosuchkind link x0: EOPNOTSUPP (Operation not supported): Unknown device type", e.getMessage());
    }

    @Test
    void deletingAMissingLinkIsEnodev() {
        NetlinkException e =
                assertThrows(NetlinkException.class, () -> node.links().delete("nosuch0"));
        assertEquals("ENODEV", e.errnoName());
        assertTrue(e.isNotFound());
    }
}
