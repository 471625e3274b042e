package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad IPAM config fails with code 7 and a clear message, and leaves the data dir untouched. */
class BadConfigTest {
    @TempDir
    Path root;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "host bits|`\"ranges\": [[{\"subnet\": \"10.1.2.3/24\"}]]`|invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.2.0",
                "/31|`\"ranges\": [[{\"subnet\": \"10.1.2.0/31\"}]]`|invalid range set 0: Network 10.1.2.0/31 too small to allocate from",
                "/32|`\"subnet\": \"10.1.2.0/32\"`|invalid range set 0: Network 10.1.2.0/32 too small to allocate from",
                "/127|`\"ranges\": [[{\"subnet\": \"2001:db8::/127\"}]]`|invalid range set 0: Network 2001:db8::/127 too small to allocate from",
                "/128|`\"ranges\": [[{\"subnet\": \"2001:db8::/128\"}]]`|invalid range set 0: Network 2001:db8::/128 too small to allocate from",
                "start outside|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\", \"rangeStart\": \"10.1.3.1\"}]]`|invalid range set 0: RangeStart 10.1.3.1 not in network 10.1.2.0/24",
                "end outside|`\"subnet\": \"10.1.2.0/24\", \"rangeEnd\": \"10.1.1.1\"`|invalid range set 0: RangeEnd 10.1.1.1 not in network 10.1.2.0/24",
                "gateway family|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\", \"gateway\": \"::1\"}]]`|invalid range set 0: gateway ::1 is not of the same IP family as subnet 10.1.2.0/24",
                "gateway outside|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\", \"gateway\": \"10.9.9.1\"}]]`|invalid range set 0: Gateway 10.9.9.1 not in network 10.1.2.0/24",
                "bad gateway|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\", \"gateway\": \"x\"}]]`|invalid range set 0: invalid gateway \"x\": not an IP address",
                "overlap in set|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}, {\"subnet\": \"10.1.0.0/16\"}]]`|invalid range set 0: subnets 10.1.2.1-10.1.2.254 and 10.1.0.1-10.1.255.254 overlap",
                "overlap sets|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}], [{\"subnet\": \"10.1.2.0/25\"}]]`|range set 0 overlaps with 1",
                "legacy overlaps|`\"subnet\": \"10.1.2.0/24\", \"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}]]`|range set 0 overlaps with 1",
                "mixed families|`\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}, {\"subnet\": \"2001:db8::/64\"}]]`|invalid range set 0: mixed address families in range set 10.1.2.1-10.1.2.254,2001:db8::1-2001:db8::ffff:ffff:ffff:ffff",
                "no ranges|`\"ranges\": []`|no IP ranges specified",
                "empty set|`\"ranges\": [[]]`|invalid range set 0: empty range set",
                "no subnet|`\"ranges\": [[{\"rangeStart\": \"10.1.2.5\"}]]`|invalid range set 0: range is missing \"subnet\"",
                "not a set|`\"ranges\": [{\"subnet\": \"10.1.2.0/24\"}]`|ranges[0] must be an array of range objects",
                "bad route|`\"subnet\": \"10.1.2.0/24\", \"routes\": [{\"dst\": \"10.9.0.0\"}]`|invalid route {\"dst\":\"10.9.0.0\"}: dst must be a CIDR and gw an IP address",
                "resolvConf missing|`\"subnet\": \"10.1.2.0/24\", \"resolvConf\": \"/nonexistent/resolv.conf\"`|cannot read resolvConf /nonexistent/resolv.conf: no such file",
                "resolvConf relative|`\"subnet\": \"10.1.2.0/24\", \"resolvConf\": \"resolv.conf\"`|invalid resolvConf \"resolv.conf\": must be an absolute path (a relative one would depend on the working directory of whoever runs the plugin)",
                "0.0.0.0/0|`\"ranges\": [[{\"subnet\": \"0.0.0.0/0\"}]]`|invalid range set 0: invalid subnet \"0.0.0.0/0\": includes \"this network\" addresses (0.0.0.0/8); pods need a unicast subnet of their own",
                "::/0|`\"ranges\": [[{\"subnet\": \"::/0\"}]]`|invalid range set 0: invalid subnet \"::/0\": includes the unspecified address ::; pods need a unicast subnet of their own",
                "IPv4-mapped|`\"ranges\": [[{\"subnet\": \"::ffff:10.0.0.0/120\"}]]`|invalid range set 0: invalid subnet \"::ffff:10.0.0.0/120\": an IPv4-mapped IPv6 network; write the IPv4 subnet 10.0.0.0/24 itself",
                "IPv4-mapped gateway|`\"subnet\": \"10.1.2.0/24\", \"gateway\": \"::ffff:10.1.2.1\"`|invalid range set 0: invalid gateway \"::ffff:10.1.2.1\": an IPv4-mapped IPv6 address; write the IPv4 address 10.1.2.1 itself",
                // the shared IpPrefix keeps IPv4-mapped text IPv6; host-local refuses it everywhere rather than read it
                // as Go does
                "IPv4-mapped /128|`\"ranges\": [[{\"subnet\": \"::ffff:10.1.2.0/128\"}]]`|invalid range set 0: invalid subnet \"::ffff:10.1.2.0/128\": an IPv4-mapped IPv6 network; write the IPv4 subnet 10.1.2.0/32 itself",
                "IPv4-mapped rangeStart|`\"subnet\": \"10.1.2.0/24\", \"rangeStart\": \"::ffff:a01:205\"`|invalid range set 0: invalid rangeStart \"::ffff:a01:205\": an IPv4-mapped IPv6 address; write the IPv4 address 10.1.2.5 itself",
                "holds IPv4-mapped|`\"ranges\": [[{\"subnet\": \"::fffe:0:0/95\"}]]`|invalid range set 0: invalid subnet \"::fffe:0:0/95\": includes IPv4-mapped addresses (::ffff:0:0/96); pods need a unicast subnet of their own",
                "inside IPv4-mapped|`\"ranges\": [[{\"subnet\": \"::ffff:0:0/95\"}]]`|invalid range set 0: invalid subnet \"::ffff:0:0/95\": includes IPv4-mapped addresses (::ffff:0:0/96); pods need a unicast subnet of their own",
                "IPv4-mapped route|`\"subnet\": \"10.1.2.0/24\", \"routes\": [{\"dst\": \"::ffff:10.9.0.0/112\"}]`|invalid route {\"dst\":\"::ffff:10.9.0.0/112\"}: dst \"::ffff:10.9.0.0/112\" is an IPv4-mapped IPv6 network; write the IPv4 subnet 10.9.0.0/16 itself",
                "IPv4-mapped route gw|`\"subnet\": \"10.1.2.0/24\", \"routes\": [{\"dst\": \"10.9.0.0/16\", \"gw\": \"::ffff:10.1.2.1\"}]`|invalid route {\"dst\":\"10.9.0.0/16\",\"gw\":\"::ffff:10.1.2.1\"}: gw \"::ffff:10.1.2.1\" is an IPv4-mapped IPv6 address; write the IPv4 address 10.1.2.1 itself",
                "link-local v6|`\"ranges\": [[{\"subnet\": \"fe80::/64\"}]]`|invalid range set 0: invalid subnet \"fe80::/64\": inside link-local addresses (fe80::/10), which every interface has; pods need a unicast subnet of their own",
                "link-local v4|`\"subnet\": \"169.254.1.0/24\"`|invalid range set 0: invalid subnet \"169.254.1.0/24\": inside link-local addresses (169.254.0.0/16); pods need a unicast subnet of their own",
                "loopback|`\"subnet\": \"127.1.0.0/16\"`|invalid range set 0: invalid subnet \"127.1.0.0/16\": inside loopback addresses (127.0.0.0/8); pods need a unicast subnet of their own",
                "multicast|`\"subnet\": \"239.1.0.0/16\"`|invalid range set 0: invalid subnet \"239.1.0.0/16\": inside multicast addresses (224.0.0.0/4); pods need a unicast subnet of their own",
                "v6 multicast|`\"ranges\": [[{\"subnet\": \"ff05::/64\"}]]`|invalid range set 0: invalid subnet \"ff05::/64\": inside multicast addresses (ff00::/8); pods need a unicast subnet of their own",
                "v4 /1 with 0|`\"subnet\": \"0.0.0.0/1\"`|invalid range set 0: invalid subnet \"0.0.0.0/1\": includes \"this network\" addresses (0.0.0.0/8); pods need a unicast subnet of their own",
                "wrong type|`\"ranges\": \"10.1.2.0/24\"`|invalid network configuration: \"ranges\" must be an array, got the string \"10.1.2.0/24\"",
                // found by the fuzz suite: paths the JDK cannot represent were InvalidPathException (999)
                "NUL in resolvConf|`\"subnet\": \"10.1.2.0/24\", \"resolvConf\": \"/etc/\\u0000resolv.conf\"`|invalid resolvConf \"/etc/\\u0000resolv.conf\": Nul character not allowed",
                "NUL in podCidrFile|`\"subnet\": \"usePodCidr\", \"podCidrFile\": \"/run/\\u0000\"`|invalid podCidrFile \"/run/\\u0000\": Nul character not allowed",
                "NUL in dataDir|`\"subnet\": \"10.1.2.0/24\", \"dataDir\": \"/x\\u0000\"`|invalid dataDir \"/x\\u0000\": Nul character not allowed",
            })
    void rejected(String name, String ipamBody, String message) {
        Path dataDir = root.resolve("data");
        Cni.Outcome o = Cni.run("ADD", Cni.config("1.1.0", dataDir, ipamBody), "c1", "eth0");
        assertEquals(7, o.code(), o.stdout());
        assertEquals(message, o.msg());
        assertEquals(List.of(""), StoreFiles.tree(root), "nothing created for " + name);
    }

    @ParameterizedTest
    @CsvSource({"ADD", "DEL", "CHECK", "GC"})
    void relativeDataDir(String command) {
        String conf = """
                {"cniVersion": "1.1.0", "name": "mynet", "type": "bridge",
                 "ipam": {"type": "host-local", "dataDir": "data", "subnet": "10.1.2.0/24"}}""";
        Cni.Outcome o = Cni.run(command, conf, "c1", "eth0");
        assertEquals(7, o.code(), o.stdout());
        assertEquals(
                "invalid dataDir \"data\": must be an absolute path (a relative one would depend on the working"
                        + " directory of whoever runs the plugin)",
                o.msg());
        assertFalse(Files.exists(Path.of("data")), "nothing created in the working directory");
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/8", "100.64.0.0/10", "240.0.0.0/8", "2001:db8::/64", "fd00::/8", "172.16.0.0/12"})
    void ordinaryUnicastSubnetsStillWork(String subnet) {
        Cni.Outcome o = Cni.run(
                "ADD", Cni.config("1.1.0", root.resolve("data"), "\"subnet\": \"" + subnet + "\""), "c1", "eth0");
        assertEquals(0, o.exit(), o.stdout());
    }

    @ParameterizedTest
    @CsvSource({"0.1.0", "0.2.0"})
    void oldVersionsAllowOneAddressPerFamily(String version) {
        Path dataDir = root.resolve("data");
        String two = "\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}], [{\"subnet\": \"10.1.3.0/24\"}]]";
        Cni.Outcome o = Cni.run("ADD", Cni.config(version, dataDir, two), "c1", "eth0");
        assertEquals(7, o.code());
        assertEquals("CNI version " + version + " does not support more than 1 address per family", o.msg());
        assertEquals(List.of(""), StoreFiles.tree(root));
        String dual = "\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}], [{\"subnet\": \"2001:db8::/64\"}]]";
        assertEquals(
                0,
                Cni.run("ADD", Cni.config(version, dataDir, dual), "c1", "eth0").exit());
    }

    @ParameterizedTest
    @CsvSource({"ADD", "DEL", "CHECK", "GC", "STATUS"})
    void missingIpamSection(String command) {
        String conf = "{\"cniVersion\": \"1.1.0\", \"name\": \"mynet\", \"type\": \"bridge\"}";
        Cni.Outcome o = Cni.run(command, conf, "c1", "eth0");
        assertEquals(7, o.code());
        assertEquals("IPAM config missing 'ipam' key", o.msg());
    }
}
