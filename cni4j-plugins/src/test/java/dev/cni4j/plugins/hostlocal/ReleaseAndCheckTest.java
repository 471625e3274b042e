package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.node.Reservation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DEL, CHECK and GC, including data dirs written by the reference (Go) plugin. */
class ReleaseAndCheckTest {
    @TempDir
    Path dataDir;

    Path net;
    String conf;

    @BeforeEach
    void setUp() {
        net = dataDir.resolve("mynet");
        conf = Cni.config(
                "1.1.0", dataDir, "\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}], [{\"subnet\": \"2001:db8:1::/64\"}]]");
    }

    /** Writes a reservation exactly as the Go plugin does: O_EXCL, "id\r\nifname", no newline. */
    private void goReservation(String ip, String content) throws IOException {
        Files.createDirectories(net);
        Files.writeString(net.resolve(ip), content);
    }

    @Test
    void delIsIdempotentAndNeedsNoNetnsNorRanges() {
        assertTrue(Cni.run("DEL", conf, "never-added", "eth0").ok(), "unknown container");
        assertFalse(Files.exists(net), "DEL does not create the data dir");
        assertTrue(Cni.run("ADD", conf, "c1", "eth0").ok());
        // DEL reads no ranges: a config whose ranges no longer parse still releases
        String broken = Cni.config(
                "1.1.0", dataDir, "\"ranges\": [[{\"subnet\": \"usePodCidr\"}]], \"podCidrFile\": \"/nonexistent\"");
        assertTrue(Cni.run("DEL", broken, "c1", "eth0").ok());
        assertTrue(Cni.run("DEL", conf, "c1", "eth0").ok());
        assertEquals(List.of(".", "last_reserved_ip.0", "last_reserved_ip.1", "lock"), StoreFiles.names(net));
    }

    /** Only names Go's net.IP.String() could print are reservations: it prints a mapped address as IPv4. */
    @Test
    void namesTheReferenceWouldNeverWriteAreNoReservations() throws IOException {
        goReservation("10.1.2.2", "a\r\neth0");
        goReservation("2001:db8:1::2", "b\r\neth0");
        for (String odd : List.of(
                "::ffff:10.1.2.3",
                "::ffff:a01:204",
                "010.1.2.5",
                "2001:DB8:1::6",
                "2001:db8:1:0::7",
                ".reservation.tmp",
                "last_reserved_ip.0")) {
            goReservation(odd, "odd\r\neth0");
        }
        assertEquals(
                List.of("10.1.2.2", "2001:db8:1::2"),
                new HostLocalStore(net)
                        .reservations().stream()
                                .map(Reservation::fileName)
                                .sorted()
                                .toList());
    }

    @Test
    void readsAndReleasesTheReferenceLayout() throws IOException {
        goReservation("10.1.2.2", "dummy\r\neth0");
        goReservation("2001:db8:1::2", "dummy\r\neth0");
        goReservation("10.1.2.3", "dummy\r\neth1");
        goReservation("10.1.2.4", "  legacy-id \n"); // pre-v0.8.0 file, with stray whitespace
        Files.writeString(net.resolve("last_reserved_ip.0"), "10.1.2.4");
        Files.writeString(net.resolve("last_reserved_ip.1"), "2001:db8:1::2");
        Files.writeString(net.resolve("lock"), "");

        // the reference's reservations are honoured: next IPs follow them
        Cni.Outcome add = Cni.run("ADD", conf, "new", "eth0");
        assertEquals("10.1.2.5/24", add.json().objects("ips").get(0).string("address"));
        assertEquals("2001:db8:1::3/64", add.json().objects("ips").get(1).string("address"));
        assertEquals(999, Cni.run("ADD", conf, "dummy", "eth0").code(), "dummy/eth0 already has an address");
        assertEquals(999, Cni.run("ADD", conf, "legacy-id", "eth5").code(), "a legacy file owns any ifname");

        assertTrue(Cni.run("CHECK", conf, "dummy", "eth0").ok());
        assertTrue(Cni.run("CHECK", conf, "legacy-id", "eth0").ok());

        assertTrue(Cni.run("DEL", conf, "dummy", "eth0").ok());
        assertEquals(
                List.of(
                        ".",
                        "10.1.2.3",
                        "10.1.2.4",
                        "10.1.2.5",
                        "2001:db8:1::3",
                        "last_reserved_ip.0",
                        "last_reserved_ip.1",
                        "lock"),
                StoreFiles.names(net));
        assertTrue(Cni.run("DEL", conf, "legacy-id", "eth0").ok());
        assertFalse(Files.exists(net.resolve("10.1.2.4")));
        assertTrue(Cni.run("DEL", conf, "dummy", "eth1").ok());
        assertFalse(Files.exists(net.resolve("10.1.2.3")));
    }

    @Test
    void crashLeftoversAreHarmless() throws IOException {
        goReservation("10.1.2.2", ""); // the reference crashed between create and write
        Files.writeString(net.resolve(".reservation.tmp"), "ghost\r\neth0"); // we crashed before the link
        Files.writeString(net.resolve(".last_reserved_ip.tmp"), "10.1.2.");
        Cni.Outcome add = Cni.run("ADD", conf, "c1", "eth0");
        assertEquals("10.1.2.3/24", add.json().objects("ips").get(0).string("address"), "an empty file is taken");
        assertEquals("c1\r\neth0", Files.readString(net.resolve("10.1.2.3")));
        assertFalse(Files.exists(net.resolve(".reservation.tmp")));
        assertEquals(3, Cni.run("CHECK", conf, "ghost", "eth0").code(), "temp files are not reservations");
    }

    @Test
    void checkFindsTheReservationAndComparesPrevResult() {
        Cni.Outcome missing = Cni.run("CHECK", conf, "c1", "eth0");
        assertEquals(3, missing.code());
        assertEquals("host-local: Failed to find address added by container c1", missing.msg());

        String result = Cni.run("ADD", conf, "c1", "eth0").stdout();
        assertTrue(Cni.run("ADD", conf, "c2", "eth0").ok());
        assertTrue(Cni.run("CHECK", withPrevResult(result), "c1", "eth0").ok());

        String wrong = result.replace("10.1.2.2/24", "10.1.2.3/24");
        Cni.Outcome o = Cni.run("CHECK", withPrevResult(wrong), "c1", "eth0");
        assertEquals("host-local: IP 10.1.2.3 of prevResult is reserved by c2/eth0, not by c1/eth0", o.msg());

        String fewer = "{\"cniVersion\": \"1.1.0\", \"ips\": [{\"address\": \"10.1.2.2/24\"}]}";
        o = Cni.run("CHECK", withPrevResult(fewer), "c1", "eth0");
        assertEquals("host-local: IP 2001:db8:1::2 is reserved for c1/eth0 but is not in prevResult", o.msg());
    }

    private String withPrevResult(String result) {
        String c = conf.strip();
        return c.substring(0, c.length() - 1) + ", \"prevResult\": " + result + "}";
    }

    @Test
    void gcReleasesEverythingNotValid() throws IOException {
        for (String id : List.of("a", "b", "c")) {
            assertTrue(Cni.run("ADD", conf, id, "eth0").ok());
        }
        assertTrue(Cni.run("ADD", conf, "a", "net1").ok());
        goReservation("10.1.2.100", "legacy-keep");
        goReservation("10.1.2.101", "legacy-drop");
        goReservation("10.1.2.102", ""); // a reference crash can leave an empty file: nobody owns it
        Files.writeString(net.resolve("not-an-ip"), "a\r\neth0");

        Cni.Outcome gc = Cni.run("GC", gcConf("""
                [{"containerID": "a", "ifname": "eth0"}, {"containerID": "c", "ifname": "eth0"},
                 {"containerID": "legacy-keep", "ifname": "eth0"}]"""), "", "");
        assertTrue(gc.ok(), gc.stdout());
        assertEquals(
                List.of(
                        ".",
                        "10.1.2.100",
                        "10.1.2.2",
                        "10.1.2.4",
                        "2001:db8:1::2",
                        "2001:db8:1::4",
                        "last_reserved_ip.0",
                        "last_reserved_ip.1",
                        "lock",
                        "not-an-ip"),
                StoreFiles.names(net));

        assertTrue(Cni.run("GC", gcConf("[]"), "", "").ok());
        assertEquals(
                List.of(".", "last_reserved_ip.0", "last_reserved_ip.1", "lock", "not-an-ip"), StoreFiles.names(net));
    }

    @Test
    void gcWithoutTheValidListReleasesNothing() {
        assertTrue(Cni.run("ADD", conf, "a", "eth0").ok());
        Cni.Outcome gc = Cni.run("GC", conf, "", "");
        assertEquals(7, gc.code());
        assertTrue(Files.exists(net.resolve("10.1.2.2")));
    }

    @Test
    void gcOfAnUnknownNetworkIsANoOp() {
        assertTrue(Cni.run("GC", gcConf("[]"), "", "").ok());
        assertFalse(Files.exists(net));
    }

    private String gcConf(String valid) {
        String c = conf.strip();
        return c.substring(0, c.length() - 1) + ", \"cni.dev/valid-attachments\": " + valid + "}";
    }
}
