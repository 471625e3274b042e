package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The demo's checks (scripts/demo-checks.sh): a failed check makes the verdict, and the demo, fail. */
class DemoChecksTest {
    static final Path CHECKS =
            Path.of("../scripts/demo-checks.sh").toAbsolutePath().normalize();

    record Run(int status, String out) {}

    static Run bash(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; . '" + CHECKS + "'; " + script)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @Test
    void everyCheckPassedIsAVerdictOfZeroFailedAndStatus0() throws Exception {
        assertTrue(Files.isReadable(CHECKS), CHECKS + " is missing");
        Run r = bash("ok 'a'; expect 'veths left' 0 0; answers 'hostPort' hello 'hello from the pod'; verdict");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().endsWith("demo: 3 checks passed, 0 failed\n"), r.out());
    }

    @Test
    void anyFailedCheckIsCountedAndTheVerdictFails() throws Exception {
        Run r = bash("ok 'a'; expect 'veths left' 0 2; answers 'hostPort' hello ''; verdict; echo not reached");
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("   FAILED: veths left: 2 (expected 0)\n"), r.out());
        assertTrue(r.out().contains("   FAILED: hostPort: no answer\n"), r.out());
        assertTrue(r.out().endsWith("demo: 1 checks passed, 2 failed\n"), r.out());
    }
}
