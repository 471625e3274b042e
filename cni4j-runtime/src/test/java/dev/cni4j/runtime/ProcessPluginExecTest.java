package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.spec.CniException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessPluginExecTest {
    @TempDir
    Path tmp;

    private final Map<Path, String> stderrSeen = new ConcurrentHashMap<>();
    private final ProcessPluginExec exec = configure(new ProcessPluginExec(
            Duration.ofSeconds(10),
            (plugin, bytes) -> stderrSeen.merge(plugin, new String(bytes, StandardCharsets.UTF_8), String::concat),
            Duration.ofMillis(50)));

    /** posix_spawn here (what a runtime gets by default); {@link ThroughProcessBuilderTest} runs the fallback. */
    ProcessPluginExec configure(ProcessPluginExec exec) {
        assertTrue(PosixSpawn.available(), PosixSpawn.unavailableReason());
        return exec;
    }

    private static final Map<String, String> ENV = Map.of(
            "CNI_COMMAND",
            "ADD",
            "CNI_CONTAINERID",
            "c1",
            "CNI_NETNS",
            "/run/netns/x",
            "CNI_IFNAME",
            "eth0",
            "CNI_ARGS",
            "A=1;B=2",
            "CNI_PATH",
            "/opt/cni/bin");

    @Test
    void passesStdinAndEnvironmentAndInheritsTheRest() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).script("p", "echo '{\"cniVersion\":\"1.0.0\"}'\necho log line >&2\n");

        byte[] out = exec.exec(fakes.binDir.resolve("p"), "{\"x\":1}".getBytes(StandardCharsets.UTF_8), ENV);

        assertEquals("{\"cniVersion\":\"1.0.0\"}\n", new String(out, StandardCharsets.UTF_8));
        FakePlugins.Call call = fakes.calls().get(0);
        assertEquals(1L, call.stdin().integer("x"));
        ENV.forEach((k, v) -> assertEquals(v, call.env().get(k), k));
        assertEquals(System.getenv("PATH"), call.env().get("PATH"), "the runtime's environment is inherited");
        assertEquals("log line\n", stderrSeen.get(fakes.binDir.resolve("p")));
    }

    @Test
    void pluginErrorJsonBecomesAnExceptionWithItsCodeMsgAndDetails() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp)
                .failing(
                        "p",
                        "{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"busy\",\"details\":\"try later\"}",
                        "stderr too",
                        1);

        CniException e = assertThrows(CniException.class, () -> exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV));

        assertEquals(11, e.code());
        assertEquals("busy", e.msg());
        assertEquals("try later", e.details());
        assertEquals("stderr too", stderrSeen.get(fakes.binDir.resolve("p")));
    }

    @Test
    void emptyStdoutOnFailureUsesStderrText() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).failing("p", "", "panic: boom", 2);

        CniException e = assertThrows(CniException.class, () -> exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV));

        assertEquals("netplugin failed: \"panic: boom\"", e.msg());
    }

    @Test
    void silentFailureReportsTheExitStatus() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).failing("p", "", "", 3);
        CniException e = assertThrows(CniException.class, () -> exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV));
        assertEquals("netplugin failed with no error message: exit status 3", e.msg());
    }

    @Test
    void nonJsonStdoutOnFailureIsReported() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).failing("p", "oops", "", 1);
        CniException e = assertThrows(CniException.class, () -> exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV));
        assertTrue(e.msg().contains("error parsing its diagnostic message \"oops\""), e.msg());
    }

    @Test
    void aHangingPluginIsKilledAtTheTimeout() throws IOException {
        // The shell forks sleep: the child must die too, or it would hold the stdout pipe open.
        FakePlugins fakes = new FakePlugins(tmp).script("p", "sleep 30\necho done\n");
        ProcessPluginExec quick = configure(new ProcessPluginExec(Duration.ofMillis(300), (p, b) -> {}));

        long start = System.nanoTime();
        CniException e =
                assertThrows(CniException.class, () -> quick.exec(fakes.binDir.resolve("p"), new byte[0], ENV));

        assertTrue(e.msg().contains("timed out after 300 ms"), e.msg());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5);
    }

    @Test
    void textFileBusyIsRetried() throws Exception {
        Path p = tmp.resolve("busy");
        Files.writeString(p, "#!/bin/sh\necho '{}'\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Holding the file open for writing makes execve fail with ETXTBSY, as while an installer copies it.
        FileOutputStream writer = new FileOutputStream(p.toFile(), true);
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(150);
                writer.close();
            } catch (Exception ignored) {
                // test thread
            }
        });

        byte[] out = exec.exec(p, new byte[0], ENV);

        assertEquals("{}\n", new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void textFileBusyGivesUpAfterFiveRetries() throws Exception {
        Path p = tmp.resolve("busy");
        Files.writeString(p, "#!/bin/sh\necho '{}'\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (FileOutputStream ignored = new FileOutputStream(p.toFile(), true)) {
            CniException e = assertThrows(CniException.class, () -> exec.exec(p, new byte[0], ENV));
            assertTrue(e.msg().contains("Text file busy"), e.msg());
        }
    }

    @Test
    void largeStdinAndStdoutDoNotDeadlock() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).script("p", "head -c 300000 /dev/zero | tr '\\0' 'a'\n");
        byte[] big = "x".repeat(300_000).getBytes(StandardCharsets.UTF_8);

        byte[] out = exec.exec(fakes.binDir.resolve("p"), big, ENV);

        assertEquals(300_000, out.length);
        assertEquals(300_000, Files.size(fakes.logDir.resolve("1.stdin")));
    }

    @Test
    void pluginNotFoundMessageMatchesLibcni() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        CniException e = assertThrows(CniException.class, () -> exec.find("bridge", List.of(a, b)));
        assertEquals("failed to find plugin \"bridge\" in path [" + a + " " + b + "]", e.msg());
    }

    @Test
    void firstRegularFileInPathOrderWins() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path c = Files.createDirectories(tmp.resolve("c"));
        Files.createDirectories(a.resolve("bridge")); // a directory is not a plugin
        Files.writeString(b.resolve("bridge"), "");
        Files.writeString(c.resolve("bridge"), "");

        assertEquals(b.resolve("bridge"), exec.find("bridge", List.of(a, b, c)));
        assertThrows(CniException.class, () -> exec.find("../b/bridge", List.of(a)));
        assertEquals(List.of(Path.of("/x"), Path.of("/y")), PluginLocator.parsePath("/x::/y"));
    }

    @Test
    void aBackgroundChildHoldingStdoutDoesNotHoldTheAnswer() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).script("p", "sleep 5 &\necho '{}'\n");

        long start = System.nanoTime();
        byte[] out = exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV);

        assertEquals("{}\n", new String(out, StandardCharsets.UTF_8));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 3000, "answered when the plugin exited");
    }

    @Test
    void aPluginKilledBySignalReports128PlusTheSignal() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).script("p", "kill -9 $$\n");

        CniException e = assertThrows(CniException.class, () -> exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV));

        assertEquals("netplugin failed with no error message: exit status 137", e.msg());
    }

    @Test
    void noDescriptorOfTheRuntimeReachesThePlugin() throws IOException {
        FakePlugins fakes = new FakePlugins(tmp).script("p", "ls /proc/self/fd >&2\necho '{}'\n");

        exec.exec(fakes.binDir.resolve("p"), new byte[0], ENV);

        // ls's own directory descriptor aside: stdin, stdout and stderr only
        List<String> fds = stderrSeen.get(fakes.binDir.resolve("p")).lines().toList();
        assertTrue(fds.size() <= 4 && fds.containsAll(List.of("0", "1", "2")), fds.toString());
    }
}
