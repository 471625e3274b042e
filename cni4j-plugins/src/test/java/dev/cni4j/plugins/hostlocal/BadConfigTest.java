package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
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
            "resolvConf missing|`\"subnet\": \"10.1.2.0/24\", \"resolvConf\": \"/nonexistent/resolv.conf\"`|cannot read resolvConf /nonexistent/resolv.conf: java.nio.file.NoSuchFileException: /nonexistent/resolv.conf",
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
    @CsvSource({"0.1.0", "0.2.0"})
    void oldVersionsAllowOneAddressPerFamily(String version) {
        Path dataDir = root.resolve("data");
        String two = "\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}], [{\"subnet\": \"10.1.3.0/24\"}]]";
        Cni.Outcome o = Cni.run("ADD", Cni.config(version, dataDir, two), "c1", "eth0");
        assertEquals(7, o.code());
        assertEquals("CNI version " + version + " does not support more than 1 address per family", o.msg());
        assertEquals(List.of(""), StoreFiles.tree(root));
        String dual = "\"ranges\": [[{\"subnet\": \"10.1.2.0/24\"}], [{\"subnet\": \"2001:db8::/64\"}]]";
        assertEquals(0, Cni.run("ADD", Cni.config(version, dataDir, dual), "c1", "eth0").exit());
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
