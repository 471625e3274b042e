package dev.cni4j.testing.fuzz;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.PluginMain;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fuzz targets that run a plugin's parsing in-process through {@link PluginMain}, exactly as the
 * executable reads its environment and stdin, and check what a runtime would see: exit 0, or exit 1
 * with one CNI error object on stdout whose code is not 999 (an unexpected exception) and no stack
 * trace on stderr.
 */
public final class PluginCalls {
    private PluginCalls() {}

    /** A plugin whose ADD only runs {@code parse} on the request: no kernel, no disk. */
    public static Plugin parsing(String name, List<String> versions, Consumer<Request> parse) {
        return new Plugin() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<String> supportedVersions() {
                return versions;
            }

            @Override
            public Result add(Request request) {
                parse.accept(request);
                return new Result();
            }

            @Override
            public void del(Request request) {
                parse.accept(request);
            }

            @Override
            public void check(Request request) {
                parse.accept(request);
            }
        };
    }

    /** {@link #parsing} for every spec version. */
    public static Plugin parsing(String name, Consumer<Request> parse) {
        return parsing(name, CniVersion.ALL, parse);
    }

    /** The environment of an ADD of container {@code c1}, ifname eth0. */
    public static Map<String, String> addEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", "ADD");
        env.put("CNI_CONTAINERID", "c1");
        env.put("CNI_NETNS", "/var/run/netns/fuzz");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", NodeLayout.BIN_DIR);
        return env;
    }

    /** A fuzz target that feeds its input to {@code plugin} as stdin with {@code env}. */
    public static Fuzzer.Target stdin(Plugin plugin, Map<String, String> env) {
        return input -> call(plugin, env, input);
    }

    /** Runs {@code plugin} once; throws AssertionError unless the answer is a proper CNI answer. */
    public static String call(Plugin plugin, Map<String, String> env, byte[] stdin) {
        return call(plugin, env, stdin, false);
    }

    /**
     * Like {@link #call(Plugin, Map, byte[])}; with {@code internalAllowed}, code 999 is accepted
     * too when no stack trace came with it (host-local's "no free address" is 999, as in the
     * reference). Returns stdout.
     */
    public static String call(Plugin plugin, Map<String, String> env, byte[] stdin, boolean internalAllowed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                plugin, env, new ByteArrayInputStream(stdin), out, new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        if (exit == 0) {
            return stdout;
        }
        JsonObject error;
        try {
            error = Json.parseObject(stdout);
        } catch (JsonException e) {
            throw new AssertionError("exit " + exit + " without an error object on stdout: " + stdout);
        }
        Long code = error.integer("code");
        boolean internal = code != null && code == ErrorCode.INTERNAL.code() && !internalAllowed;
        if (exit != 1 || code == null || internal || stderr.contains("\tat ")) {
            throw new AssertionError(
                    "not a clean CNI error: exit " + exit + ", stdout " + stdout + "\nstderr: " + stderr);
        }
        return stdout;
    }
}
