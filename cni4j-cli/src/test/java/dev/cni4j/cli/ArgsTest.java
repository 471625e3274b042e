package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final String[] DECLARED = {"--conf-dir=", "-p|--publish=", "--json"};

    @Test
    void valuesAsSeparateWordsOrWithEquals() {
        Args a = Args.parse(List.of("--conf-dir", "/a", "net", "--conf-dir=/b", "ns"), DECLARED);
        assertEquals("/b", a.value("--conf-dir", null), "the last one wins");
        assertEquals(List.of("net", "ns"), a.positionals());
    }

    @Test
    void shortAliasesAndRepeats() {
        Args a = Args.parse(List.of("-p", "80:80", "--publish", "81:81", "--publish=82:82/udp"), DECLARED);
        assertEquals(List.of("80:80", "81:81", "82:82/udp"), a.values("--publish"));
    }

    @Test
    void flagsAndHelp() {
        Args a = Args.parse(List.of("--json", "-h"), DECLARED);
        assertTrue(a.flag("--json"));
        assertTrue(a.help());
        assertFalse(Args.parse(List.of(), DECLARED).help());
        assertEquals("fallback", Args.parse(List.of(), DECLARED).value("--conf-dir", "fallback"));
    }

    @Test
    void everythingAfterDoubleDashIsRest() {
        Args a = Args.parse(List.of("ns", "--", "ip", "--json", "-p"), DECLARED);
        assertEquals(List.of("ns"), a.positionals());
        assertEquals(List.of("ip", "--json", "-p"), a.rest());
        assertFalse(a.flag("--json"));
    }

    @Test
    void valuesMayLookLikeJsonOrStartWithADash() {
        Args a = Args.parse(List.of("--conf-dir", "-weird"), DECLARED);
        assertEquals("-weird", a.value("--conf-dir", null));
    }

    @Test
    void mistakesAreUsageErrors() {
        assertEquals("unknown option --nope", usage(List.of("--nope")));
        assertEquals("unknown option -x", usage(List.of("-x")));
        assertEquals("option --conf-dir needs a value", usage(List.of("--conf-dir")));
        assertEquals("option --json takes no value", usage(List.of("--json=yes")));
    }

    @Test
    void expectChecksTheNumberOfPositionals() {
        assertEquals(List.of("a", "b"), Args.parse(List.of("a", "b"), DECLARED).expect("add", "NETWORK", "NETNS"));
        var e = assertThrows(
                CliException.class, () -> Args.parse(List.of("a"), DECLARED).expect("add", "NETWORK", "NETNS"));
        assertEquals("add takes NETWORK NETNS, got a", e.getMessage());
        e = assertThrows(
                CliException.class, () -> Args.parse(List.of("a"), DECLARED).expect("netns list"));
        assertEquals("netns list takes no arguments, got a", e.getMessage());
    }

    private static String usage(List<String> argv) {
        CliException e = assertThrows(CliException.class, () -> Args.parse(argv, DECLARED));
        assertEquals(CliException.USAGE, e.exitStatus());
        return e.getMessage();
    }
}
