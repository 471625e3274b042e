package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round robin, requested IPs from every source, exhaustion and rollback, STATUS. */
class AllocationTest {
    @TempDir
    Path dataDir;

    private String conf(String ranges) {
        return Cni.config("1.1.0", dataDir, "\"ranges\": " + ranges);
    }

    private static List<String> addresses(Cni.Outcome o) {
        assertTrue(o.ok(), o.stdout());
        List<String> out = new ArrayList<>();
        for (JsonObject ip : o.json().objects("ips")) {
            out.add(ip.string("address"));
        }
        return out;
    }

    private Cni.Outcome add(String conf, String id) {
        return Cni.run("ADD", conf, id, "eth0");
    }

    @Test
    void roundRobinAcrossRangesSkippingGatewaysAndWrapping() {
        // two small ranges: .2-.3 (gateway .1 is the start) and the second range's gateway in the middle
        String c = conf(
                "[[{\"subnet\": \"10.0.0.0/29\", \"rangeEnd\": \"10.0.0.3\"},"
                        + " {\"subnet\": \"10.0.1.0/29\", \"rangeStart\": \"10.0.1.1\", \"rangeEnd\": \"10.0.1.3\", \"gateway\": \"10.0.1.2\"}]]");
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            got.addAll(addresses(add(c, "c" + i)));
        }
        assertEquals(List.of("10.0.0.2/29", "10.0.0.3/29", "10.0.1.1/29", "10.0.1.3/29"), got);
        // the pool is full: released .2 is not reused before the iterator wraps to it
        assertTrue(Cni.run("DEL", c, "c0", "eth0").ok());
        assertTrue(Cni.run("DEL", c, "c2", "eth0").ok());
        assertEquals(List.of("10.0.0.2/29"), addresses(add(c, "c4")));
        assertEquals(List.of("10.0.1.1/29"), addresses(add(c, "c5")));
    }

    @Test
    void lastReservedIpOutsideTheSetRestartsAtTheFirstRange() throws IOException {
        String c = conf("[[{\"subnet\": \"10.0.0.0/24\"}]]");
        Path net = Files.createDirectories(dataDir.resolve("mynet"));
        Files.writeString(net.resolve("last_reserved_ip.0"), "192.168.0.9");
        assertEquals(List.of("10.0.0.2/24"), addresses(add(c, "a")));
        Files.writeString(net.resolve("last_reserved_ip.0"), "10.0.0.100\n");
        assertEquals(List.of("10.0.0.101/24"), addresses(add(c, "b")));
        Files.writeString(net.resolve("last_reserved_ip.0"), "10.0.0.254");
        assertEquals(List.of("10.0.0.3/24"), addresses(add(c, "c")), "wraps past the end, skips the taken .2");
    }

    @Test
    void requestedIpsFromCniArgsArgsAndRuntimeConfig() {
        String ranges =
                "[[{\"subnet\": \"10.0.0.0/24\"}], [{\"subnet\": \"2001:db8::/64\"}], [{\"subnet\": \"10.9.0.0/24\"}]]";
        String conf = """
                {"cniVersion": "1.1.0", "name": "mynet", "type": "bridge",
                 "args": {"cni": {"ips": ["2001:db8::77/64"]}},
                 "runtimeConfig": {"ips": ["10.9.0.42/24"]},
                 "ipam": {"type": "host-local", "dataDir": "%s", "ranges": %s}}
                """.formatted(dataDir, ranges);
        Cni.Outcome o = Cni.run(
                new HostLocal(),
                "ADD",
                conf,
                "c1",
                "eth0",
                Map.of("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.0.0.9/24"));
        assertEquals(List.of("10.0.0.9/24", "2001:db8::77/64", "10.9.0.42/24"), addresses(o));
        assertEquals("10.0.0.9", read("last_reserved_ip.0"));
        // known K8S_* keys without IgnoreUnknown are fine; unknown ones are not
        Cni.Outcome known = Cni.run(
                new HostLocal(),
                "ADD",
                conf(ranges),
                "c2",
                "eth0",
                Map.of("CNI_ARGS", "K8S_POD_NAME=p;K8S_POD_NAMESPACE=n;K8S_POD_UID=u;K8S_POD_INFRA_CONTAINER_ID=c2"));
        assertTrue(known.ok(), known.stdout());
        Cni.Outcome unknown =
                Cni.run(new HostLocal(), "ADD", conf(ranges), "c3", "eth0", Map.of("CNI_ARGS", "FOO=bar"));
        assertEquals(4, unknown.code());
    }

    @Test
    void requestedIpErrorsReleaseWhatWasReserved() {
        String c = conf(
                "[[{\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.10\"}], [{\"subnet\": \"2001:db8::/64\"}]]");
        Cni.Outcome gw = Cni.run(new HostLocal(), "ADD", c, "a", "eth0", Map.of("CNI_ARGS", "IP=10.0.0.1"));
        assertEquals("failed to allocate all requested IPs: 10.0.0.1", gw.msg(), "the gateway is outside rangeStart");
        Cni.Outcome outside = Cni.run(new HostLocal(), "ADD", c, "a", "eth0", Map.of("CNI_ARGS", "IP=10.0.0.5"));
        assertEquals("failed to allocate all requested IPs: 10.0.0.5", outside.msg());
        assertEquals(999, outside.code());
        Cni.Outcome bad = Cni.run(new HostLocal(), "ADD", c, "a", "eth0", Map.of("CNI_ARGS", "IP=10.0.0"));
        assertEquals(4, bad.code());
        assertTrue(Cni.run(new HostLocal(), "ADD", c, "a", "eth0", Map.of("CNI_ARGS", "IP=2001:db8::5"))
                .ok());
        Cni.Outcome taken = Cni.run(new HostLocal(), "ADD", c, "b", "eth0", Map.of("CNI_ARGS", "IP=2001:db8::5"));
        assertEquals(
                "failed to allocate for range 1: requested IP address 2001:db8::5 is not available in range set "
                        + "2001:db8::1-2001:db8::ffff:ffff:ffff:ffff",
                taken.msg());
        assertFalse(Files.exists(dataDir.resolve("mynet/10.0.0.13")), "b's IPv4 address was released");
        // rolled-back attempts still moved round robin on (.10, .11), as in the reference
        assertEquals(
                List.of(".", "10.0.0.12", "2001:db8::5", "last_reserved_ip.0", "last_reserved_ip.1", "lock"),
                StoreFiles.names(dataDir.resolve("mynet")));
        String gwInRange = conf("[[{\"subnet\": \"10.0.0.0/24\"}]]");
        Cni.Outcome g = Cni.run(new HostLocal(), "ADD", gwInRange, "c", "eth0", Map.of("CNI_ARGS", "IP=10.0.0.1"));
        assertEquals("failed to allocate for range 0: requested ip 10.0.0.1 is subnet's gateway", g.msg());
        String badArgs = """
                {"cniVersion": "1.1.0", "name": "mynet", "args": {"cni": {"ips": ["nope"]}},
                 "ipam": {"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "10.0.0.0/24"}]]}}
                """.formatted(dataDir);
        assertEquals(7, Cni.run("ADD", badArgs, "d", "eth0").code());
        // IPv4-mapped text is not read as the IPv4 address (Go would); it is refused, naming the IPv4 form
        Cni.Outcome mapped =
                Cni.run(new HostLocal(), "ADD", gwInRange, "e", "eth0", Map.of("CNI_ARGS", "IP=::ffff:10.0.0.7"));
        assertEquals(4, mapped.code());
        assertEquals(
                "invalid IP \"::ffff:10.0.0.7\" in CNI_ARGS: an IPv4-mapped IPv6 address; write the IPv4 address"
                        + " 10.0.0.7 itself",
                mapped.msg());
        Cni.Outcome mappedArgs = Cni.run("ADD", badArgs.replace("\"nope\"", "\"::ffff:10.0.0.7/120\""), "e", "eth0");
        assertEquals(7, mappedArgs.code());
        assertEquals(
                "invalid IP \"::ffff:10.0.0.7/120\" in args.cni.ips: an IPv4-mapped IPv6 address; write the IPv4"
                        + " address 10.0.0.7 itself",
                mappedArgs.msg());
    }

    @Test
    void exhaustionReleasesEarlierSetsAndStatusReportsIt() {
        String c = conf("[[{\"subnet\": \"2001:db8::/64\"}], [{\"subnet\": \"10.0.0.0/30\"}]]");
        assertTrue(Cni.run("STATUS", c, "x", "eth0").ok());
        assertEquals(List.of("2001:db8::2/64", "10.0.0.2/30"), addresses(add(c, "a")));
        Cni.Outcome full = add(c, "b");
        assertEquals(999, full.code());
        assertEquals(
                "failed to allocate for range 1: no IP addresses available in range set: 10.0.0.1-10.0.0.2",
                full.msg());
        assertFalse(Files.exists(dataDir.resolve("mynet/2001:db8::3")), "b's IPv6 address was released");
        Cni.Outcome status = Cni.run("STATUS", c, "x", "eth0");
        assertEquals(50, status.code());
        assertEquals("no IP addresses available in range set 1: 10.0.0.1-10.0.0.2", status.msg());
        assertTrue(Cni.run("DEL", c, "a", "eth0").ok());
        assertTrue(Cni.run("STATUS", c, "x", "eth0").ok());
    }

    private String read(String name) {
        try {
            return Files.readString(dataDir.resolve("mynet").resolve(name));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
