package dev.cni4j.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.net.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one format of the pod CIDR file: the agent's writes, host-local's cache and host-local's reads. */
class PodCidrFileTest {
    private static final List<IpPrefix> DUAL = List.of(IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("fd00:1::/64"));

    @TempDir
    Path dir;

    @Test
    void oneCidrPerLineReplacedAtomicallyOnlyWhenChanged() throws IOException {
        PodCidrFile f = new PodCidrFile(dir.resolve("run/cni4j/podcidr"));
        assertTrue(f.write(DUAL));
        assertEquals("10.244.1.0/24\nfd00:1::/64\n", Files.readString(f.path()));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.path())));
        assertFalse(f.write(DUAL), "unchanged: not rewritten");
        assertTrue(f.write(List.of(IpPrefix.parse("10.244.7.0/24"))));
        assertEquals("10.244.7.0/24\n", Files.readString(f.path()));
        assertEquals(new PodCidrFile.Contents(null, List.of(IpPrefix.parse("10.244.7.0/24"))), f.read());
        try (Stream<Path> s = Files.list(f.path().getParent())) {
            assertEquals(1, s.count(), "no temp files left");
        }
        assertThrows(IllegalArgumentException.class, () -> f.write(List.of()));
    }

    @Test
    void aCommentLineAndAMode() throws IOException {
        PodCidrFile f = new PodCidrFile(dir.resolve("podcidr.d/n1"));
        f.write("pod CIDRs from the Kubernetes API: node=n1 uid=u", DUAL, AtomicFiles.PRIVATE);
        assertEquals(
                "# pod CIDRs from the Kubernetes API: node=n1 uid=u\n10.244.1.0/24\nfd00:1::/64\n",
                Files.readString(f.path()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.path())));
        assertEquals(new PodCidrFile.Contents("pod CIDRs from the Kubernetes API: node=n1 uid=u", DUAL), f.read());
    }

    @Test
    void readsWhatPeopleWriteAndRefusesTheRest() {
        PodCidrFile.Contents c = PodCidrFile.parse(List.of("  10.244.1.0/24\r", "", "# later", "\t2001:DB8::/64 "));
        assertNull(c.comment());
        assertEquals(List.of(IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("2001:db8::/64")), c.cidrs());
        assertEquals(List.of(), PodCidrFile.parse(List.of("# nothing yet", "")).cidrs());
        assertEquals(
                "invalid CIDR \"10.244.1.0/2x\"",
                assertThrows(IllegalArgumentException.class, () -> PodCidrFile.parse(List.of("10.244.1.0/2x")))
                        .getMessage());
        assertEquals(
                "invalid CIDR \"::ffff:10.244.1.0/120\" (IPv4-mapped IPv6 text: write 10.244.1.0/24 itself)",
                assertThrows(IllegalArgumentException.class, () -> PodCidrFile.parse(List.of("::ffff:10.244.1.0/120")))
                        .getMessage());
        assertThrows(NoSuchFileException.class, () -> new PodCidrFile(dir.resolve("none")).read());
    }
}
