package dev.cni4j.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.net.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one reading of host-local's data dir, as the reference (Go) plugin writes it. */
class HostLocalReservationsTest {
    @TempDir
    Path data;

    @Test
    void scanListsEveryNetworkWithItsReservationsByAddress() throws IOException {
        Path net = Files.createDirectories(data.resolve("podnet"));
        Files.writeString(net.resolve("lock"), "");
        Files.writeString(net.resolve("last_reserved_ip.0"), "10.22.0.9");
        Files.writeString(net.resolve("10.22.0.10"), "c2\r\neth0");
        Files.writeString(net.resolve("10.22.0.9"), " c1\r\neth1\n");
        Files.writeString(net.resolve("10.22.0.7"), "legacy-id\n");
        Files.writeString(net.resolve("2001:db8::2"), "");
        Files.writeString(net.resolve(".reservation.tmp"), "c9\r\neth0");
        for (String odd : List.of("::ffff:10.22.0.3", "010.22.0.4", "2001:DB8::5", "2001:db8:0::6", "notes.txt")) {
            Files.writeString(net.resolve(odd), "odd\r\neth0");
        }
        Files.createDirectories(data.resolve("empty")).resolve("lock").toFile().createNewFile();
        Files.writeString(data.resolve("a-file"), "not a network");

        Map<String, List<Reservation>> all = HostLocalReservations.scan(data);
        assertEquals(List.of("empty", "podnet"), List.copyOf(all.keySet()));
        assertEquals(List.of(), all.get("empty"));
        assertEquals(
                List.of(
                        new Reservation("10.22.0.7", IpAddress.parse("10.22.0.7"), "legacy-id", null),
                        new Reservation("10.22.0.9", IpAddress.parse("10.22.0.9"), "c1", "eth1"),
                        new Reservation("10.22.0.10", IpAddress.parse("10.22.0.10"), "c2", "eth0"),
                        new Reservation("2001:db8::2", IpAddress.parse("2001:db8::2"), "", null)),
                all.get("podnet"));
        assertTrue(all.get("podnet").get(1).ownedBy("c1", "eth1"));
        assertTrue(all.get("podnet").getFirst().legacyOf("legacy-id"));
    }

    @Test
    void nothingThereIsNoReservation() {
        assertEquals(Map.of(), HostLocalReservations.scan(data.resolve("none")));
        assertEquals(List.of(), HostLocalReservations.read(data.resolve("none")));
        assertNull(HostLocalReservations.addressOf("lock"));
        assertNull(HostLocalReservations.addressOf("last_reserved_ip.1"));
        assertEquals(IpAddress.parse("fd00::1"), HostLocalReservations.addressOf("fd00::1"));
        assertEquals("c1\r\neth0", Reservation.content(" c1 ", "eth0"));
    }
}
