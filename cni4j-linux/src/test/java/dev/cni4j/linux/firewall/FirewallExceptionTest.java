package dev.cni4j.linux.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The one-line summary of a rejected batch, from the tools' real stderr texts. */
class FirewallExceptionTest {
    static final String SCRIPT = """
            *nat
            :CNI-HOSTPORT-DNAT - [0:0]
            :CNI-DN-abc - [0:0]
            -A CNI-DN-abc -s 10.1.0.2/32 -p tcp --dport 80 -j KUBE-MARK-MASQ
            -A CNI-DN-abc -p tcp --dport 80 -j DNAT --to-destination 10.1.0.2:80
            COMMIT
            """;

    @Test
    void iptablesNftNamesTheLineItStoppedAtNotTheWholeScript() {
        FirewallException e = new FirewallException("iptables-restore --noflush", 2, """
                iptables-restore v1.8.9 (nf_tables): Chain 'KUBE-MARK-MASQ' does not exist
                Error occurred at line: 4
                Try `iptables-restore -h' or 'iptables-restore --help' for more information.""", SCRIPT);
        assertEquals(
                "iptables-restore --noflush: Chain 'KUBE-MARK-MASQ' does not exist (input line 4: "
                        + "-A CNI-DN-abc -s 10.1.0.2/32 -p tcp --dport 80 -j KUBE-MARK-MASQ)",
                e.summary());
        assertEquals("KUBE-MARK-MASQ", e.missingChain());
        FirewallException atCommit = new FirewallException("iptables-restore --noflush", 2, """
                iptables-restore v1.8.9 (nf_tables): Chain 'KUBE-MARK-MASQ' does not exist
                Error occurred at line: 6""", SCRIPT);
        assertEquals(
                "iptables-restore --noflush: Chain 'KUBE-MARK-MASQ' does not exist (input line 4: "
                        + "-A CNI-DN-abc -s 10.1.0.2/32 -p tcp --dport 80 -j KUBE-MARK-MASQ)",
                atCommit.summary(),
                "iptables-nft reports it at COMMIT: the line that jumps to the chain is named instead");
    }

    @Test
    void legacyIptablesWordings() {
        FirewallException failed = new FirewallException(
                "iptables-restore --noflush",
                1,
                "iptables-restore: line 5 failed: No chain/target/match by that name.",
                SCRIPT);
        assertEquals(
                "iptables-restore --noflush: No chain/target/match by that name. (input line 5: "
                        + "-A CNI-DN-abc -p tcp --dport 80 -j DNAT --to-destination 10.1.0.2:80)",
                failed.summary());
        assertNull(failed.missingChain());
        assertEquals(
                "KUBE-MARK-MASQ",
                new FirewallException(
                                "iptables-restore",
                                2,
                                "iptables-restore v1.8.7 (legacy): Couldn't load target `KUBE-MARK-MASQ':No such file or directory\n"
                                        + "\nError occurred at line: 4",
                                SCRIPT)
                        .missingChain());
    }

    @Test
    void withoutALineOrStderr() {
        assertEquals(
                "nft -f -: Error: syntax error, unexpected junk",
                new FirewallException("nft -f -", 1, "Error: syntax error, unexpected junk\njunk\n^^^^", "junk")
                        .summary());
        assertEquals("iptables-save: exited 4", new FirewallException("iptables-save", 4, "", null).summary());
        assertEquals(
                "iptables-restore: Chain 'X' does not exist",
                new FirewallException(
                                "iptables-restore",
                                2,
                                "iptables-restore v1.8.9 (nf_tables): Chain 'X' does not exist\nError occurred at line: 99",
                                "*nat\n")
                        .summary(),
                "a line number beyond the input names no line");
    }
}
