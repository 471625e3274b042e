package dev.cni4j.e2e;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Executes a packaged plugin from dist/bin the way a runtime does: env, stdin, stdout, exit code.
 * Standalone by default (no daemon socket); through the daemon when {@link FastPathMode} is on.
 */
final class Exec {
    static final Path DIST = Path.of(System.getProperty("cni4j.dist", "../dist"))
            .toAbsolutePath()
            .normalize();
    /** Where no daemon listens: the launchers run the standalone plugin. */
    static final String NO_DAEMON = "/nonexistent/cni4j/cni.sock";

    /** The daemons of the current test in fast-path mode, else null. */
    static volatile FastPathDaemons fastPath;

    record Outcome(int exit, String stdout, String stderr) {
        JsonObject json() {
            return Json.parseObject(stdout);
        }
    }

    static Path plugin(String type) {
        Path p = DIST.resolve("bin").resolve(type);
        if (!Files.isExecutable(p)) {
            throw new AssertionError(p + " is missing: build with mvn package first");
        }
        return p;
    }

    static Map<String, String> env(String command, String containerId, String netns, String ifname) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", ifname);
        env.put("CNI_PATH", DIST.resolve("bin").toString());
        return env;
    }

    /** Runs the plugin with exactly {@code env} (plus PATH) as its environment. */
    static Outcome run(String type, Map<String, String> env, String stdin) {
        return runFile(plugin(type), env, stdin);
    }

    /** Runs the executable at {@code exe} (ours or a reference plugin) the same way. */
    static Outcome runFile(Path exe, Map<String, String> env, String stdin) {
        String type = exe.getFileName().toString();
        ProcessBuilder pb = new ProcessBuilder(exe.toString());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        FastPathDaemons daemons = fastPath;
        if (daemons != null) {
            // Set for every executable: a reference plugin passes them on to our IPAM launcher.
            pb.environment()
                    .put("CNI4J_SOCKET", daemons.socketForCurrentThread().toString());
            pb.environment().put("CNI4J_FALLBACK", "never");
        } else {
            pb.environment().put("CNI4J_SOCKET", NO_DAEMON);
        }
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(type + " timed out");
            }
            return new Outcome(
                    p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Exec() {}
}
