package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.rtnl.*;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoutesAndNeighboursPrivilegedTest extends PodNamespaceTestBase {
    int r0;

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @BeforeEach
    void setUp() throws Exception {
        rtnl.links().create(Veth.of("r0", "r1"));
        r0 = rtnl.links().require("r0").index();
        rtnl.links().setUp(r0);
        rtnl.links().setUp("r1");
        rtnl.addresses().add(r0, ip("192.0.2.1"), 24);
        rtnl.addresses().add(r0, ip("2001:db8::1"), 64, Address.IFA_F_NODAD);
    }

    @Test
    void routesAddListReplaceDelete() throws Exception {
        Route r = Route.to(ip("198.51.100.0"), 24)
                .via(ip("192.0.2.254"))
                .dev(r0)
                .withMetric(100)
                .withMtu(1300);
        rtnl.routes().add(r);
        String ipr = net.exec(pod, "ip", "route", "show", "198.51.100.0/24");
        assertTrue(ipr.contains("198.51.100.0/24 via 192.0.2.254 dev r0 metric 100 mtu 1300"), ipr);
        Route listed = rtnl.routes().list(Rtnl.AF_INET).stream()
                .filter(x -> x.prefixLength() == 24
                        && x.destination().getHostAddress().equals("198.51.100.0"))
                .findFirst()
                .orElseThrow();
        assertEquals(ip("192.0.2.254"), listed.gateway());
        assertEquals(r0, listed.outputIndex());
        assertEquals(100, listed.metric());
        assertEquals(1300, listed.mtu());
        assertEquals(Route.PROTOCOL_BOOT, listed.protocol());

        NetlinkException dup =
                assertThrows(NetlinkException.class, () -> rtnl.routes().add(r));
        assertEquals("EEXIST", dup.errnoName());
        rtnl.routes().replace(r.withMtu(1200));
        assertTrue(net.exec(pod, "ip", "route", "show", "198.51.100.0/24").contains("mtu 1200"));

        rtnl.routes().add(Route.defaultVia(ip("192.0.2.254")).dev(r0));
        assertTrue(net.exec(pod, "ip", "route", "show", "default").contains("default via 192.0.2.254 dev r0"));
        assertTrue(rtnl.routes().list(Rtnl.AF_INET).stream().anyMatch(Route::isDefault));
        rtnl.routes().add(Route.defaultVia(ip("2001:db8::fe")).dev(r0));
        assertTrue(net.exec(pod, "ip", "-6", "route", "show", "default").contains("default via 2001:db8::fe dev r0"));

        rtnl.routes().delete(Route.to(ip("198.51.100.0"), 24).withMetric(100));
        assertEquals("", net.exec(pod, "ip", "route", "show", "198.51.100.0/24").trim());
        NetlinkException gone =
                assertThrows(NetlinkException.class, () -> rtnl.routes().delete(Route.to(ip("198.51.100.0"), 24)));
        assertEquals("ESRCH", gone.errnoName());

        NetlinkException unreachable = assertThrows(
                NetlinkException.class,
                () -> rtnl.routes().add(Route.to(ip("203.0.113.0"), 24).via(ip("10.9.9.9"))));
        assertEquals("ENETUNREACH", unreachable.errnoName());
        assertNotNull(unreachable.extAck(), "kernel explains: " + unreachable.getMessage());
    }

    @Test
    void otherTablesAndIpv6Tentative() throws Exception {
        rtnl.routes()
                .add(Route.to(ip("198.51.100.0"), 24).dev(r0).withTable(100).withSource(ip("192.0.2.1")));
        String t = net.exec(pod, "ip", "route", "show", "table", "100");
        assertTrue(t.contains("198.51.100.0/24 dev r0 scope link src 192.0.2.1"), t);
        assertTrue(rtnl.routes().list(Rtnl.AF_INET).stream().noneMatch(x -> x.table() == 100));
        Route listed = rtnl.routes().list(Rtnl.AF_INET, 100).get(0);
        assertEquals(ip("192.0.2.1"), listed.source());
        assertEquals(Route.SCOPE_LINK, listed.scope());
        rtnl.routes().delete(Route.to(ip("198.51.100.0"), 24).withTable(100));
        assertEquals("", net.exec(pod, "ip", "route", "show", "table", "100").trim());

        // without NODAD an IPv6 address on a link with carrier starts tentative
        InetAddress v6 = ip("2001:db8::5");
        rtnl.addresses().add(r0, v6, 64);
        Address a = rtnl.addresses().list(r0, Rtnl.AF_INET6).stream()
                .filter(x -> x.address().equals(v6))
                .findFirst()
                .orElseThrow();
        assertTrue(a.isTentative(), "flags 0x" + Integer.toHexString(a.flags()));
        assertTrue(net.exec(pod, "ip", "-6", "addr", "show", "dev", "r0")
                .contains("2001:db8::5/64 scope global tentative"));
    }

    @Test
    void linkScopeRouteWithoutGateway() throws Exception {
        rtnl.routes().add(Route.to(ip("203.0.113.0"), 25).dev(r0));
        String ipr = net.exec(pod, "ip", "route", "show", "203.0.113.0/25");
        assertTrue(ipr.contains("203.0.113.0/25 dev r0 scope link"), ipr);
    }

    @Test
    void permanentNeighbours() throws Exception {
        Neighbour n = Neighbour.permanent(r0, ip("192.0.2.7"), "02:00:00:00:00:07");
        rtnl.neighbours().add(n);
        String ipn = net.exec(pod, "ip", "neigh", "show", "dev", "r0");
        assertTrue(ipn.contains("192.0.2.7 lladdr 02:00:00:00:00:07 PERMANENT"), ipn);
        List<Neighbour> listed = rtnl.neighbours().list(Rtnl.AF_INET, r0);
        assertTrue(listed.stream().anyMatch(x -> x.isPermanent() && "02:00:00:00:00:07".equals(x.mac())));
        assertEquals(
                "EEXIST",
                assertThrows(NetlinkException.class, () -> rtnl.neighbours().add(n))
                        .errnoName());
        rtnl.neighbours().replace(Neighbour.permanent(r0, ip("192.0.2.7"), "02:00:00:00:00:08"));
        assertTrue(net.exec(pod, "ip", "neigh", "show", "dev", "r0").contains("02:00:00:00:00:08"));
        rtnl.neighbours().delete(n);
        assertFalse(net.exec(pod, "ip", "neigh", "show", "dev", "r0").contains("192.0.2.7"));
        assertEquals(
                "ENOENT",
                assertThrows(NetlinkException.class, () -> rtnl.neighbours().delete(n))
                        .errnoName());
    }

    @Test
    void vxlanFdbEntries() throws Exception {
        rtnl.links().create(Vxlan.of("vx0", 42, ip("192.0.2.1"), r0));
        int vx = rtnl.links().require("vx0").index();
        rtnl.neighbours().append(Neighbour.fdbSelf(vx, "00:00:00:00:00:00", ip("192.0.2.9")));
        rtnl.neighbours().append(Neighbour.fdbSelf(vx, "00:00:00:00:00:00", ip("192.0.2.10")));
        rtnl.neighbours().add(Neighbour.fdbSelf(vx, "02:00:00:00:00:0a", ip("192.0.2.10")));
        String fdb = net.exec(pod, "bridge", "fdb", "show", "dev", "vx0");
        assertTrue(fdb.contains("00:00:00:00:00:00 dst 192.0.2.9 self permanent"), fdb);
        assertTrue(fdb.contains("00:00:00:00:00:00 dst 192.0.2.10 self permanent"), fdb);
        assertTrue(fdb.contains("02:00:00:00:00:0a dst 192.0.2.10 self permanent"), fdb);
        List<Neighbour> entries = rtnl.neighbours().list(Rtnl.AF_BRIDGE, vx);
        InetAddress remote = ip("192.0.2.10");
        assertTrue(
                entries.stream()
                        .anyMatch(e -> "02:00:00:00:00:0a".equals(e.mac())
                                && remote.equals(e.address())
                                && (e.flags() & Neighbour.NTF_SELF) != 0),
                entries.toString());
        rtnl.neighbours().delete(Neighbour.fdbSelf(vx, "02:00:00:00:00:0a", ip("192.0.2.10")));
        assertFalse(net.exec(pod, "bridge", "fdb", "show", "dev", "vx0").contains("02:00:00:00:00:0a"));
    }
}
