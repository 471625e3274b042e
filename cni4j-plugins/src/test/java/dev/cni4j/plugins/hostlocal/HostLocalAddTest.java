package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ADD and DEL of the reference's main test (two range sets, DNS, routes), for every result shape. */
class HostLocalAddTest {
    @TempDir
    Path tmp;

    Path dataDir;

    @BeforeEach
    void setUp() throws IOException {
        dataDir = tmp.resolve("data");
        Files.writeString(tmp.resolve("resolv.conf"), "nameserver 192.0.2.3\nsearch example.com\noptions ndots:2\n");
    }

    private String config(String version) {
        return Cni.config(version, dataDir, """
                "resolvConf": "%s",
                "ranges": [
                  [{"subnet": "10.1.2.0/24"}, {"subnet": "10.2.2.0/24"}],
                  [{"subnet": "2001:db8:1::0/64"}]
                ],
                "routes": [
                  {"dst": "0.0.0.0/0"},
                  {"dst": "::/0"},
                  {"dst": "192.168.0.0/16", "gw": "1.1.1.1"},
                  {"dst": "2001:db8:2::0/64", "gw": "2001:db8:3::1"}
                ]""".formatted(tmp.resolve("resolv.conf")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void dualStackAddAndDel(String version) throws IOException {
        Cni.Outcome add = Cni.run("ADD", config(version), "dummy", "eth0");
        assertTrue(add.ok(), add.stdout());
        boolean withVersion = version.startsWith("0.");
        String v4 = withVersion ? "{\"version\":\"4\"," : "{";
        String v6 = withVersion ? "{\"version\":\"6\"," : "{";
        assertEquals(
                "{\"cniVersion\":\"" + version + "\",\"ips\":["
                        + v4 + "\"address\":\"10.1.2.2/24\",\"gateway\":\"10.1.2.1\"},"
                        + v6 + "\"address\":\"2001:db8:1::2/64\",\"gateway\":\"2001:db8:1::1\"}],"
                        + "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"1.1.1.1\"},"
                        + "{\"dst\":\"2001:db8:2::/64\",\"gw\":\"2001:db8:3::1\"}],"
                        + "\"dns\":{\"nameservers\":[\"192.0.2.3\"],\"search\":[\"example.com\"],\"options\":[\"ndots:2\"]}}",
                add.stdout());

        Path net = dataDir.resolve("mynet");
        assertEquals("dummy\r\neth0", Files.readString(net.resolve("10.1.2.2")));
        assertEquals("dummy\r\neth0", Files.readString(net.resolve("2001:db8:1::2")));
        assertEquals("10.1.2.2", Files.readString(net.resolve("last_reserved_ip.0")));
        assertEquals("2001:db8:1::2", Files.readString(net.resolve("last_reserved_ip.1")));
        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(net.resolve("10.1.2.2"))));
        assertTrue(Files.exists(net.resolve("lock")));

        Cni.Outcome del = Cni.run("DEL", config(version), "dummy", "eth0");
        assertTrue(del.ok(), del.stdout());
        assertEquals("", del.stdout());
        assertFalse(Files.exists(net.resolve("10.1.2.2")));
        assertFalse(Files.exists(net.resolve("2001:db8:1::2")));
        assertEquals(List.of(".", "last_reserved_ip.0", "last_reserved_ip.1", "lock"), StoreFiles.names(net));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.2.0"})
    void legacyResultShape(String version) {
        Cni.Outcome add = Cni.run("ADD", config(version), "dummy", "eth0");
        assertTrue(add.ok(), add.stdout());
        JsonObject o = add.json();
        assertEquals(version, o.string("cniVersion"));
        JsonObject ip4 = o.object("ip4");
        assertEquals("10.1.2.2/24", ip4.string("ip"));
        assertEquals("10.1.2.1", ip4.string("gateway"));
        assertEquals(2, ip4.objects("routes").size());
        JsonObject ip6 = o.object("ip6");
        assertEquals("2001:db8:1::2/64", ip6.string("ip"));
        assertEquals("2001:db8:3::1", ip6.objects("routes").get(1).string("gw"));
        assertEquals(List.of("192.0.2.3"), o.object("dns").strings("nameservers"));
    }

    @Test
    void ipv6OnlyAndIpv4OnlyAndLegacyTopLevelRange() {
        String v6 = Cni.config("1.1.0", dataDir, """
                "subnet": "3ffe:ffff:0:01ff::/64", "rangeStart": "3ffe:ffff:0:01ff::0010",
                "rangeEnd": "3ffe:ffff:0:01ff::0020", "routes": [{"dst": "3ffe:ffff:0:01ff::1/64"}]""");
        Cni.Outcome add = Cni.run("ADD", v6, "c1", "eth0");
        assertEquals(
                "{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"3ffe:ffff:0:1ff::10/64\","
                        + "\"gateway\":\"3ffe:ffff:0:1ff::1\"}],\"routes\":[{\"dst\":\"3ffe:ffff:0:1ff::1/64\"}]}",
                add.stdout());

        // the legacy top-level range is prepended to "ranges"
        String mixed = Cni.config("1.0.0", tmp.resolve("d2"), """
                "subnet": "192.0.2.0/24", "gateway": "192.0.2.254",
                "ranges": [[{"subnet": "2001:db8::/64"}]]""");
        add = Cni.run("ADD", mixed, "c1", "eth0");
        assertEquals(
                "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"192.0.2.1/24\",\"gateway\":\"192.0.2.254\"},"
                        + "{\"address\":\"2001:db8::2/64\",\"gateway\":\"2001:db8::1\"}]}",
                add.stdout());
    }

    @Test
    void routeFieldsOfSpec11PassThrough() {
        String c = Cni.config("1.1.0", dataDir, """
                "subnet": "10.1.2.0/24",
                "routes": [{"dst": "10.9.0.0/16", "gw": "10.1.2.1", "mtu": 1400, "priority": 10, "table": 100, \
                "scope": 253}]""");
        Cni.Outcome add = Cni.run("ADD", c, "c1", "eth0");
        assertEquals(
                "[{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.1.2.1\",\"mtu\":1400,\"priority\":10,\"table\":100,"
                        + "\"scope\":253}]",
                dev.cni4j.json.Json.write(add.json().list("routes")));
    }

    @Test
    void ipRangesCapabilityIsPrepended() {
        String conf = """
                {"cniVersion": "1.1.0", "name": "mynet", "type": "bridge",
                 "runtimeConfig": {"ipRanges": [[{"subnet": "198.51.100.0/24"}]]},
                 "ipam": {"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "2001:db8::/64"}]]}}
                """.formatted(dataDir);
        Cni.Outcome add = Cni.run("ADD", conf, "c1", "eth0");
        assertTrue(add.ok(), add.stdout());
        List<JsonObject> ips = add.json().objects("ips");
        assertEquals("198.51.100.2/24", ips.get(0).string("address"));
        assertEquals("2001:db8::2/64", ips.get(1).string("address"));
    }

    @Test
    void sameContainerOtherInterfaceGetsTheNextIpAndDuplicateFails() {
        String conf = Cni.config("1.1.0", dataDir, "\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}]]");
        assertEquals(
                "10.1.2.2/24",
                Cni.run("ADD", conf, "dummy", "eth0")
                        .json()
                        .objects("ips")
                        .getFirst()
                        .string("address"));
        Cni.Outcome dup = Cni.run("ADD", conf, "dummy", "eth0");
        assertEquals(999, dup.code());
        assertEquals(
                "failed to allocate for range 0: 10.1.2.2 has been allocated to dummy, "
                        + "duplicate allocation is not allowed",
                dup.msg());
        assertEquals(
                "10.1.2.3/24",
                Cni.run("ADD", conf, "dummy", "eth1")
                        .json()
                        .objects("ips")
                        .getFirst()
                        .string("address"));
        assertTrue(Cni.run("DEL", conf, "dummy", "eth0").ok());
        assertTrue(Files.exists(dataDir.resolve("mynet/10.1.2.3")), "DEL of eth0 keeps eth1's IP");
    }
}
