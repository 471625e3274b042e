package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.Result.Dns;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

    @Test
    void parsesEveryField() {
        Dns dns = ResolvConf.parse(List.of(
                "# a comment",
                "; another",
                "",
                "nameserver 10.1.2.123",
                "nameserver\t2001:db8::53 ignored",
                "domain example.com",
                "search example.com  example.net",
                "options ndots:5 timeout:2",
                "nameserver",
                "sortlist 10.0.0.0"));
        assertEquals(List.of("10.1.2.123", "2001:db8::53"), dns.nameservers());
        assertEquals("example.com", dns.domain());
        assertEquals(List.of("example.com", "example.net"), dns.search());
        assertEquals(List.of("ndots:5", "timeout:2"), dns.options());
    }

    @Test
    void emptyFileGivesEmptyDns() {
        Dns dns = ResolvConf.parse(List.of("   ", "#nameserver 1.1.1.1"));
        assertEquals(List.of(), dns.nameservers());
        assertNull(dns.domain());
    }

    @Test
    void missingFileIsAConfigError(@TempDir Path dir) {
        assertEquals(
                7,
                assertThrows(CniException.class, () -> ResolvConf.read(dir.resolve("nope")))
                        .code());
    }
}
