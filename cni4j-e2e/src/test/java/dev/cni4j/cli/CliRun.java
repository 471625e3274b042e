package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the CLI in-process and keeps its exit status, stdout and stderr. */
record CliRun(int status, String out, String err) {

    static CliRun run(String... argv) {
        return run(Map.of(), argv);
    }

    static CliRun run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = new Cli(o, e, env).run(argv);
        }
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A user error: the given status, nothing on stdout, exactly one "cni4j: ..." line on stderr. */
    CliRun assertOneLineError(int expectedStatus, String containing) {
        assertEquals(expectedStatus, status, () -> "status; stderr: " + err);
        assertTrue(err.startsWith("cni4j: "), err);
        assertEquals(1, err.lines().count(), () -> "one line expected: " + err);
        assertTrue(err.contains(containing), () -> "expected \"" + containing + "\" in: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertEquals("", out);
        return this;
    }

    CliRun assertOk() {
        assertEquals(0, status, () -> "status; stderr: " + err + "\nstdout: " + out);
        return this;
    }
}
