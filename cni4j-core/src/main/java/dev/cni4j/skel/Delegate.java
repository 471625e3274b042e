package dev.cni4j.skel;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import dev.cni4j.spec.ResultCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a delegated plugin (an IPAM plugin under bridge) as the spec says: found by type in
 * {@code CNI_PATH}, the same environment with only {@code CNI_COMMAND} changed, the whole config
 * on stdin, its stderr passed through.
 *
 * <p>When the executable found is one of our own launchers, the plugin runs in-process through
 * {@link PluginMain} instead: the same code and environment, without paying a second JVM start.
 */
public final class Delegate {
    /** Marker our launchers carry in their first KiB, so an in-process run is only used for our own plugins. */
    public static final String LAUNCHER_MARKER = "# cni4j launcher";

    private static final long TIMEOUT_SECONDS = 60;

    private final Request request;

    /** Delegates on behalf of {@code request}, running our own plugins in-process as its invocation allows. */
    public Delegate(Request request) {
        this.request = request;
    }

    /** ADD on the delegate: its result in the newest shape. */
    public Result add(String type) {
        String out = run(type, "ADD");
        try {
            return ResultCodec.decode(Json.parseObject(out), request.cniVersion());
        } catch (JsonException e) {
            throw new CniException(
                    ErrorCode.DECODING_FAILURE, "delegate " + type + " printed a malformed result: " + e.getMessage());
        }
    }

    /** DEL, CHECK, GC or STATUS on the delegate; throws its error. */
    public void invoke(String type, String command) {
        run(type, command);
    }

    private String run(String type, String command) {
        Path exe = find(type, request.cniPath());
        Map<String, String> env = new HashMap<>(request.env());
        env.put("CNI_COMMAND", command);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        Plugin own = isOurLauncher(exe) ? request.invocation().ownPlugins().apply(type) : null;
        if (own != null) {
            exit = PluginMain.run(
                    own, env, new ByteArrayInputStream(request.stdin()), out, request.log(), request.invocation());
        } else {
            exit = exec(exe, env, out);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        if (exit != 0) {
            throw errorOf(type, exit, text);
        }
        return text;
    }

    private int exec(Path exe, Map<String, String> env, ByteArrayOutputStream out) {
        ProcessBuilder pb = new ProcessBuilder(exe.toString());
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            Process p = pb.start();
            try (var stdin = p.getOutputStream()) {
                stdin.write(request.stdin());
            }
            try (InputStream stdout = p.getInputStream()) {
                stdout.transferTo(out);
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CniException(ErrorCode.TRY_AGAIN_LATER, "delegate " + exe + " timed out");
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new CniException(
                    ErrorCode.IO_FAILURE.code(), "failed to run delegate " + exe + ": " + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(ErrorCode.TRY_AGAIN_LATER, "interrupted while running delegate " + exe);
        }
    }

    private static CniException errorOf(String type, int exit, String stdout) {
        try {
            if (!stdout.isBlank() && Json.parse(stdout) instanceof JsonObject o && o.has("code")) {
                return CniException.fromJson(o);
            }
        } catch (JsonException e) {
            // fall through: not an error object
        }
        return new CniException(
                ErrorCode.INTERNAL,
                "delegate " + type + " failed with exit code " + exit,
                stdout.isBlank() ? null : stdout.strip());
    }

    /** The first regular file named {@code type} in the CNI_PATH dirs. */
    public static Path find(String type, List<String> dirs) {
        if (type == null || type.isEmpty() || type.indexOf('/') >= 0 || type.indexOf('\\') >= 0) {
            throw CniException.invalidConfig("invalid plugin type \"" + type + "\"");
        }
        if (dirs.isEmpty()) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT, "CNI_PATH is empty: cannot find plugin \"" + type + "\"");
        }
        for (String dir : dirs) {
            Path p = Path.of(dir, type);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new CniException(
                ErrorCode.INVALID_NETWORK_CONFIG, "failed to find plugin \"" + type + "\" in path " + dirs);
    }

    private static boolean isOurLauncher(Path exe) {
        try (InputStream in = Files.newInputStream(exe)) {
            byte[] head = in.readNBytes(1024); // shell launchers: line 2; the native launcher: an ELF note
            return new String(head, StandardCharsets.ISO_8859_1).contains(LAUNCHER_MARKER);
        } catch (IOException e) {
            return false;
        }
    }
}
