package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line as a user meets it: help, usage errors, one-line failures. No root needed. */
class CliTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"add", "del", "check", "status", "gc", "install", "uninstall", "doctor"})
    void everyCommandHasHelp(String command) {
        CliRun r = CliRun.run(command, "--help").assertOk();
        assertTrue(r.out().startsWith("usage: cni4j ") && r.out().contains(command), r.out());
        assertEquals("", r.err());
    }

    @Test
    void netnsAndTopLevelHelp() {
        assertTrue(CliRun.run("netns", "--help").assertOk().out().contains("netns exec NETNS -- CMD"));
        assertTrue(CliRun.run("netns", "exec", "--help").assertOk().out().contains("netns exec"));
        assertTrue(CliRun.run("help").assertOk().out().contains("doctor"));
        assertTrue(CliRun.run("--help").assertOk().out().contains("uninstall"));
        assertTrue(CliRun.run("help", "gc").assertOk().out().startsWith("usage: cni4j gc NETWORK"));
        CliRun none = CliRun.run();
        assertEquals(2, none.status());
        assertTrue(none.err().contains("usage: cni4j"));
    }

    @Test
    void version() {
        assertTrue(CliRun.run("version").assertOk().out().startsWith("cni4j 0.1.0, CNI spec 0.1.0"));
        var json = Json.parseObject(CliRun.run("version", "--json").assertOk().out());
        assertEquals("0.1.0", json.string("version"));
        assertTrue(json.strings("cniVersions").contains("1.1.0"));
    }

    @Test
    void usageErrorsAreOneLineWithExitStatus2() {
        CliRun.run("frobnicate").assertOneLineError(2, "unknown command \"frobnicate\" (see cni4j help)");
        CliRun.run("add").assertOneLineError(2, "add takes NETWORK NETNS (see cni4j add --help)");
        CliRun.run("add", "net").assertOneLineError(2, "add takes NETWORK NETNS, got net");
        CliRun.run("del", "net", "ns", "extra").assertOneLineError(2, "del takes NETWORK NETNS");
        CliRun.run("check", "net", "ns", "--bogus").assertOneLineError(2, "unknown option --bogus");
        CliRun.run("add", "net", "ns", "--ifname").assertOneLineError(2, "option --ifname needs a value");
        CliRun.run("status").assertOneLineError(2, "status takes NETWORK");
        CliRun.run("gc", "net", "--valid", "nocolon")
                .assertOneLineError(2, "invalid --valid \"nocolon\": expected CONTAINERID:IFNAME");
        CliRun.run("netns").assertOneLineError(2, "netns needs a command");
        CliRun.run("netns", "frob").assertOneLineError(2, "unknown netns command \"frob\"");
        CliRun.run("netns", "add").assertOneLineError(2, "netns add takes NAME");
        CliRun.run("netns", "add", "a/b").assertOneLineError(2, "takes a NAME, not a path");
        CliRun.run("netns", "exec", "x").assertOneLineError(2, "netns exec needs a command after --");
        CliRun.run("install", "--bin-dir", dir.toString())
                .assertOneLineError(2, "install needs --conflist FILE or --subnet CIDR");
        CliRun.run("doctor", "extra").assertOneLineError(2, "doctor takes no arguments");
    }

    @Test
    void malformedPublishIsRejectedBeforeAnythingElse() {
        for (String p : new String[] {"80", "a:b", "70000:80", "80:80/icmp"}) {
            CliRun.run("add", "nonet", "/nonexistent/ns", "-p", p)
                    .assertOneLineError(2, "invalid port mapping \"" + p + "\"");
        }
    }

    @Test
    void badBandwidthAnnotationIsRejected() {
        CliRun.run("add", "net", "ns", "--annotation", "kubernetes.io/ingress-bandwidth=100")
                .assertOneLineError(2, "resource is unreasonably small (< 1kbit)");
    }

    @Test
    void unknownNetworkAndMissingNetnsFailWithoutTouchingTheCache() throws IOException {
        Path conf = dir.resolve("net.d");
        Path cache = dir.resolve("cache");
        Files.createDirectories(conf);
        Files.writeString(
                conf.resolve("10-lo.conflist"),
                "{\"cniVersion\":\"1.1.0\",\"name\":\"lo-net\",\"plugins\":[{\"type\":\"loopback\"}]}");
        Files.writeString(conf.resolve("20-bad.conflist"), "{not json");
        String[] common = {
            "--conf-dir",
            conf.toString(),
            "--cache-dir",
            cache.toString(),
            "--bin-dir",
            dir.resolve("bin").toString()
        };
        CliRun.run(concat(new String[] {"add", "other", "/run/netns/x"}, common))
                .assertOneLineError(
                        1,
                        "no network named \"other\" in " + conf
                                + " (1 config file(s) could not be loaded; see cni4j doctor)");
        CliRun.run(concat(
                        new String[] {"add", "lo-net", dir.resolve("no-such-ns").toString()}, common))
                .assertOneLineError(1, "network namespace " + dir.resolve("no-such-ns") + " does not exist");
        CliRun.run(concat(
                        new String[] {
                            "check", "lo-net", dir.resolve("no-such-ns").toString()
                        },
                        common))
                .assertOneLineError(1, "does not exist");
        CliRun.run(concat(new String[] {"status", "other"}, common)).assertOneLineError(1, "no network named");
        CliRun.run(concat(new String[] {"gc", "other"}, common)).assertOneLineError(1, "no network named");
        assertFalse(Files.exists(cache), "nothing may be cached");
    }

    @Test
    void pluginMissingFromTheBinDirIsAOneLineFailure() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("net.d"));
        Files.writeString(
                conf.resolve("10-lo.conflist"),
                "{\"cniVersion\":\"1.1.0\",\"name\":\"lo-net\",\"plugins\":[{\"type\":\"loopback\"}]}");
        CliRun r = CliRun.run(
                "status",
                "lo-net",
                "--conf-dir",
                conf.toString(),
                "--bin-dir",
                dir.resolve("empty").toString());
        r.assertOneLineError(1, "failed to find plugin \"loopback\" in path [" + dir.resolve("empty") + "]");
        CliRun j = CliRun.run(
                "status",
                "lo-net",
                "--json",
                "--conf-dir",
                conf.toString(),
                "--bin-dir",
                dir.resolve("empty").toString());
        assertEquals(1, j.status());
        assertEquals(false, Json.parseObject(j.out()).get("ready"));
    }

    @Test
    void netnsExecOfAMissingNamespaceFails() {
        CliRun.run("netns", "exec", dir.resolve("none").toString(), "--", "true")
                .assertOneLineError(1, "network namespace " + dir.resolve("none") + " does not exist");
    }

    static String[] concat(String[] a, String[] b) {
        return NetworkCommands.concat(a, b);
    }
}
