package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.rtnl.*;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** tc qdiscs and filters, cross-checked with tc itself. */
class TcPrivilegedTest extends PodNamespaceTestBase {
    @BeforeEach
    void setUp() {
        rtnl.links().create(Veth.of("t0", "t1"));
        rtnl.links().create(Ifb.of("ifb0"));
    }

    static String afterDev(String tcLine) {
        return tcLine.substring(tcLine.indexOf("root")); // drop "qdisc tbf 8001: " which differs per link
    }

    @Test
    void tbfMatchesWhatTcItselfCreates() {
        int t0 = rtnl.links().require("t0").index(),
                t1 = rtnl.links().require("t1").index();
        rtnl.qdiscs().add(t0, Tbf.root(125_000, 32 * 1024, 25_000));
        net.exec(
                pod, "tc", "qdisc", "add", "dev", "t1", "root", "tbf", "rate", "1mbit", "burst", "32kb", "latency",
                "25ms");
        String ours = net.exec(pod, "tc", "qdisc", "show", "dev", "t0")
                .lines()
                .findFirst()
                .orElseThrow();
        String theirs = net.exec(pod, "tc", "qdisc", "show", "dev", "t1")
                .lines()
                .findFirst()
                .orElseThrow();
        assertTrue(ours.contains("rate 1Mbit burst 32Kb lat 25ms"), ours);
        assertEquals(afterDev(theirs), afterDev(ours));
        Qdisc q0 = rtnl.qdiscs().list(t0).stream()
                .filter(q -> "tbf".equals(q.kind()))
                .findFirst()
                .orElseThrow();
        Qdisc q1 = rtnl.qdiscs().list(t1).stream()
                .filter(q -> "tbf".equals(q.kind()))
                .findFirst()
                .orElseThrow();
        assertTrue(q0.isRoot());
        assertEquals(q1.tbf(), q0.tbf());
        assertEquals(125_000, q0.tbf().rate());
        assertEquals(35_893, q0.tbf().limit());

        assertEquals(
                "EEXIST",
                assertThrows(NetlinkException.class, () -> rtnl.qdiscs().add(t0, Tbf.root(125_000, 32 * 1024, 25_000)))
                        .errnoName());
        rtnl.qdiscs().replace(t0, Tbf.root(1_250_000, 64 * 1024, 50_000));
        assertTrue(net.exec(pod, "tc", "qdisc", "show", "dev", "t0").contains("rate 10Mbit burst 64Kb lat 50ms"));
        rtnl.qdiscs().delete(t0, Tc.ROOT);
        assertFalse(net.exec(pod, "tc", "qdisc", "show", "dev", "t0").contains("tbf"));
    }

    @Test
    void tbfAtTenGigabitsUsesRate64() {
        int t0 = rtnl.links().require("t0").index();
        rtnl.qdiscs().add(t0, Tbf.root(5_000_000_000L, 1 << 20, 1_000));
        String tc = net.exec(pod, "tc", "qdisc", "show", "dev", "t0");
        assertTrue(tc.contains("rate 40Gbit"), tc);
        assertEquals(5_000_000_000L, rtnl.qdiscs().list(t0).get(0).tbf().rate());
    }

    @Test
    void ingressRedirectIntoIfb() {
        int t1 = rtnl.links().require("t1").index(),
                ifb = rtnl.links().require("ifb0").index();
        rtnl.qdiscs().add(t1, new Ingress());
        rtnl.filters().addRedirect(t1, Tc.INGRESS_HANDLE, 1, ifb);
        String tc = net.exec(pod, "tc", "filter", "show", "dev", "t1", "parent", "ffff:");
        assertTrue(tc.contains("filter protocol all pref 1 u32"), tc);
        assertTrue(tc.contains("match 00000000/00000000 at 0"), tc);
        assertTrue(tc.contains("mirred (Egress Redirect to device ifb0) stolen"), tc);
        List<Filter> filters = rtnl.filters().list(t1, Tc.INGRESS_HANDLE);
        assertTrue(
                filters.stream()
                        .anyMatch(f -> f.redirectIndex() == ifb
                                && f.priority() == 1
                                && f.protocol() == Tc.PROTOCOL_ALL
                                && "u32".equals(f.kind())),
                filters.toString());

        rtnl.filters().delete(t1, Tc.INGRESS_HANDLE, 1);
        assertEquals(
                "",
                net.exec(pod, "tc", "filter", "show", "dev", "t1", "parent", "ffff:")
                        .trim());
        assertTrue(
                rtnl.qdiscs().list(t1).stream().anyMatch(q -> "ingress".equals(q.kind()) && q.parent() == Tc.INGRESS));
        rtnl.qdiscs().delete(t1, Tc.INGRESS);
        assertFalse(net.exec(pod, "tc", "qdisc", "show", "dev", "t1").contains("ingress"));
    }

    @Test
    void clsactWithEgressRedirect() {
        int t0 = rtnl.links().require("t0").index(),
                ifb = rtnl.links().require("ifb0").index();
        rtnl.qdiscs().add(t0, new Clsact());
        assertTrue(net.exec(pod, "tc", "qdisc", "show", "dev", "t0").contains("qdisc clsact ffff: parent ffff:fff1"));
        rtnl.filters().addRedirect(t0, Tc.CLSACT_EGRESS, 0, ifb);
        assertTrue(net.exec(pod, "tc", "filter", "show", "dev", "t0", "egress")
                .contains("Egress Redirect to device ifb0"));
        rtnl.qdiscs().delete(t0, Tc.INGRESS);
        assertFalse(net.exec(pod, "tc", "qdisc", "show", "dev", "t0").contains("clsact"));
    }

    @Test
    void filterOnMissingQdiscFails() {
        int t0 = rtnl.links().require("t0").index();
        NetlinkException e =
                assertThrows(NetlinkException.class, () -> rtnl.filters().addRedirect(t0, Tc.INGRESS_HANDLE, 1, 4242));
        assertNotNull(e.errnoName());
        assertTrue(e.getMessage().startsWith("add u32 redirect filter on link #" + t0), e.getMessage());
    }
}
