package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.e2e.Exec.Outcome;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a standalone plugin exec does after the JVM is up (docs/benchmarks.md, issue 15): its
 * launcher's own command line, run with class-loading logged, must find every class of the
 * plugin in the AOT cache and spin no code the cache cannot keep: no FFM downcall stub (the
 * system calls go through the JNI library), no method-handle lambda form beyond the JDK's own
 * foreign-memory set-up (a record's equals, for one, is bootstrapped at its first call), and no
 * System.Logger set up on the way out (loopback).
 */
class StandaloneStartupExecTest {
    @TempDir
    Path tmp;

    @Test
    void loopbackAndBridgeExecsUseOnlyTheAotCache() throws IOException {
        TestNetworks.assumePrivileged();
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            Path pod2 = net.newPod();
            String lo = "{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}";
            assertLean(net, "loopback", Exec.env("ADD", "c1", pod.toString(), "lo"), lo);
            String bridge = "{\"cniVersion\":\"1.0.0\",\"name\":\"startup\",\"type\":\"bridge\",\"bridge\":\"st0\","
                    + "\"isGateway\":true,\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\""
                    + tmp.resolve("ipam")
                    + "\",\"ranges\":[[{\"subnet\":\"10.246.0.0/24\"}]]}}";
            // the second ADD finds a last reserved address: host-local's path that compares ranges
            assertLean(net, "bridge", Exec.env("ADD", "c1", pod.toString(), "eth0"), bridge);
            assertLean(net, "bridge", Exec.env("ADD", "c2", pod2.toString(), "eth0"), bridge);
            assertLean(net, "bridge", Exec.env("DEL", "c2", pod2.toString(), "eth0"), bridge);
            assertLean(net, "bridge", Exec.env("DEL", "c1", pod.toString(), "eth0"), bridge);
        }
    }

    private void assertLean(TestNetworks net, String type, Map<String, String> env, String conf) throws IOException {
        Path log = tmp.resolve(type + "-" + env.get("CNI_COMMAND") + "-" + env.get("CNI_CONTAINERID") + ".log");
        Path exe = tmp.resolve(type + "-logged");
        Files.writeString(exe, "#!/bin/sh\nexec " + String.join(" ", launcherCommand(type, log)) + " \"$@\"\n");
        exe.toFile().setExecutable(true);
        Outcome o = net.runInNode(() -> Exec.runFile(exe, env, conf));
        assertEquals(0, o.exit(), type + " " + env.get("CNI_COMMAND") + ": " + o.stdout() + o.stderr());
        List<String> loaded = Files.readAllLines(log).stream()
                .filter(l -> l.contains(" source: "))
                .toList();
        assertTrue(loaded.size() > 1000, "the log lists the cached classes too: " + loaded.size());
        String what = type + " " + env.get("CNI_COMMAND");
        List<String> fromJar =
                loaded.stream().filter(l -> l.contains("cni4j-plugins.jar")).toList();
        assertEquals(List.of(), fromJar, what + ": classes read from the jar, not the AOT cache");
        List<String> stubs =
                loaded.stream().filter(l -> l.contains("DowncallStub")).toList();
        assertEquals(List.of(), stubs, what + ": FFM downcall linked");
        List<String> forms = loaded.stream()
                .filter(l -> l.contains("LambdaForm$MH/") && l.contains("__JVM_LookupDefineClass__"))
                .toList();
        assertEquals(List.of(), forms, what + ": method-handle forms spun at run time");
        // System.exit's logging sets up a System.Logger, looking its finder up in the jar (so does
        // ProcessBuilder.start, and bridge execs nft: only loopback, which execs nothing, is checked)
        if (!type.equals("loopback")) {
            return;
        }
        List<String> loggers = Files.readAllLines(log).stream()
                .filter(l -> l.contains("Initializing 'jdk/internal/logger/"))
                .toList();
        assertEquals(List.of(), loggers, what + ": a System.Logger was set up");
    }

    /** The exec line of dist/lib/standalone/TYPE with its lib dir filled in and class loading logged. */
    private static List<String> launcherCommand(String type, Path log) throws IOException {
        Path launcher = Exec.DIST.resolve("lib/standalone").resolve(type);
        String line = Files.readAllLines(launcher).stream()
                .filter(l -> l.startsWith("exec "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no exec line in " + launcher));
        List<String> command = new ArrayList<>();
        for (String word : line.substring("exec ".length()).split(" ")) {
            if (word.equals("\"$@\"")) {
                continue;
            }
            String w = word.replace("\"", "")
                    .replace("$lib", Exec.DIST.resolve("lib").toString());
            if (w.equals("-cp")) {
                command.add("-Xlog:class+load=info,class+init=info:file=" + log);
            }
            command.add(w);
        }
        return command;
    }
}
