package dev.cni4j.agent.policy;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.net.IpPrefix;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrsTest {
    static List<String> subtract(String cidr, String... except) {
        return Cidrs.subtract(
                        IpPrefix.parse(cidr),
                        List.of(except).stream().map(IpPrefix::parse).toList())
                .stream()
                .map(IpPrefix::toString)
                .toList();
    }

    @Test
    void exceptsAreCarvedOut() {
        assertEquals(List.of("10.0.0.0/8"), subtract("10.0.0.0/8"));
        assertEquals(List.of("10.0.0.0/25"), subtract("10.0.0.0/24", "10.0.0.128/25"));
        assertEquals(List.of("10.0.0.0/32", "10.0.0.2/31"), subtract("10.0.0.0/30", "10.0.0.1/32"));
        assertEquals(List.of(), subtract("10.0.0.0/24", "10.0.0.0/16"));
        assertEquals(List.of("10.0.0.0/24"), subtract("10.0.0.0/24", "10.0.1.0/24", "fd00::/8"));
        List<String> out = subtract("0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16");
        assertFalse(out.contains("10.0.0.0/8"));
        assertEquals(7 + 15, out.size(), "10/8 leaves 8 pieces of /0; 192.168/16 splits the 128/1 piece into 15");
        assertEquals(
                List.of(
                        "fd00::/17",
                        "fd00:8000::/18",
                        "fd00:c000::/19",
                        "fd00:e000::/20",
                        "fd00:f000::/21",
                        "fd00:f800::/22",
                        "fd00:fc00::/23",
                        "fd00:fe00::/24",
                        "fd00:ff00::/25",
                        "fd00:ff80::/26",
                        "fd00:ffc0::/27",
                        "fd00:ffe0::/28",
                        "fd00:fff0::/29",
                        "fd00:fff8::/30",
                        "fd00:fffc::/31",
                        "fd00:fffe::/32"),
                subtract("fd00::/16", "fd00:ffff::/32"));
        assertEquals(List.of("10.0.0.0/8"), subtract("10.1.2.3/8"), "host bits dropped");
    }
}
