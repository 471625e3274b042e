package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortMappingTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "8080:80              | | 8080 | 80 | tcp",
                "8080:80/tcp          | | 8080 | 80 | tcp",
                "53:53/udp            | | 53 | 53 | udp",
                "53:53/UDP            | | 53 | 53 | udp",
                "9999:9999/sctp       | | 9999 | 9999 | sctp",
                "1:65535              | | 1 | 65535 | tcp",
                "127.0.0.1:8080:80    | 127.0.0.1 | 8080 | 80 | tcp",
                "0.0.0.0:443:8443/tcp | 0.0.0.0 | 443 | 8443 | tcp",
                "[::1]:8080:80        | ::1 | 8080 | 80 | tcp",
                "[fd00::5]:53:53/udp  | fd00::5 | 53 | 53 | udp",
            })
    void validForms(String spec, String hostIp, int hostPort, int containerPort, String protocol) {
        assertEquals(new PortMapping(hostIp, hostPort, containerPort, protocol), PortMapping.parse(spec));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "80             | expected [HOSTIP:]HOSTPORT:CONTAINERPORT",
                "a:b            | port \"a\" is not a number",
                "70000:80       | port 70000 is out of range",
                "80:0           | port 0 is out of range",
                "80:80/icmp     | protocol \"icmp\" is not tcp, udp or sctp",
                "80:80/         | protocol \"\" is not tcp",
                ":80            | port \"\" is not a number",
                "80:            | port \"\" is not a number",
                "1:2:3:4        | expected [HOSTIP:]HOSTPORT",
                "host:80:80     | host IP \"host\" is not an IPv4 address",
                "300.1.1.1:80:80 | host IP \"300.1.1.1\" is not an IPv4",
                "[::1:80:80     | expected [HOSTIP:]HOSTPORT",
                "[zz::1]:80:80  | host IP \"zz::1\" is not an IPv6 address",
                "-80:80         | port \"-80\" is not a number",
                "99999999999:80 | port \"99999999999\" is not a number",
            })
    void malformedFormsAreUsageErrors(String spec, String why) {
        CliException e = assertThrows(CliException.class, () -> PortMapping.parse(spec));
        assertEquals(CliException.USAGE, e.exitStatus());
        assertTrue(e.getMessage().startsWith("invalid port mapping \"" + spec + "\": "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void capabilityEntryHasTheConventionKeys() {
        assertEquals(
                Map.of("hostPort", 8080L, "containerPort", 80L, "protocol", "tcp"),
                PortMapping.parse("8080:80").toCapability());
        assertEquals(
                Map.of("hostPort", 53L, "containerPort", 53L, "protocol", "udp", "hostIP", "10.0.0.1"),
                PortMapping.parse("10.0.0.1:53:53/udp").toCapability());
    }
}
