package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fake plugin executables for tests: small shell scripts that record each call (plugin name,
 * environment, stdin) into a log dir and answer with a canned stdout, stderr and exit status.
 */
final class FakePlugins {
    /** One recorded call, in call order. */
    record Call(String plugin, String command, JsonObject stdin, Map<String, String> env) {}

    final Path binDir;
    final Path logDir;

    FakePlugins(Path tmp) throws IOException {
        binDir = Files.createDirectories(tmp.resolve("bin"));
        logDir = Files.createDirectories(tmp.resolve("log"));
    }

    /** ADD prints {@code addResult}; every other verb prints nothing and succeeds. */
    FakePlugins recording(String name, String addResult) throws IOException {
        Files.writeString(binDir.resolve(name + ".result"), addResult);
        return script(name, "if [ \"$CNI_COMMAND\" = ADD ]; then cat '" + binDir.resolve(name + ".result") + "'; fi\n");
    }

    /** Every verb fails: prints {@code stdout} and {@code stderr}, exits {@code exit}. */
    FakePlugins failing(String name, String stdout, String stderr, int exit) throws IOException {
        Files.writeString(binDir.resolve(name + ".out"), stdout);
        Files.writeString(binDir.resolve(name + ".err"), stderr);
        return script(
                name,
                "cat '" + binDir.resolve(name + ".out") + "'\ncat '" + binDir.resolve(name + ".err") + "' >&2\nexit "
                        + exit + "\n");
    }

    /** A plugin with a custom shell body run after the call is recorded. */
    FakePlugins script(String name, String body) throws IOException {
        String log = logDir.toString();
        String text = "#!/bin/sh\n"
                + "n=$(cat '" + log + "/counter' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '" + log + "/counter'\n"
                + "cat > '" + log + "'/$n.stdin\n"
                + "env > '" + log + "'/$n.env\n"
                + "echo '" + name + "' > '" + log + "'/$n.plugin\n"
                + body;
        Path p = binDir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return this;
    }

    /** A plugin that records nothing (for concurrency tests, where the shared log would race). */
    FakePlugins plain(String name, String body) throws IOException {
        Path p = binDir.resolve(name);
        Files.writeString(p, "#!/bin/sh\ncat > /dev/null\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return this;
    }

    List<Call> calls() throws IOException {
        List<Call> calls = new ArrayList<>();
        for (int n = 1; Files.exists(logDir.resolve(n + ".plugin")); n++) {
            Map<String, String> env = new LinkedHashMap<>();
            for (String line : Files.readAllLines(logDir.resolve(n + ".env"))) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            String stdin = Files.readString(logDir.resolve(n + ".stdin"), StandardCharsets.UTF_8);
            calls.add(new Call(
                    Files.readString(logDir.resolve(n + ".plugin")).trim(),
                    env.get("CNI_COMMAND"),
                    stdin.isBlank() ? null : Json.parseObject(stdin),
                    env));
        }
        return calls;
    }
}
