package dev.cni4j.skel;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import dev.cni4j.spec.ResultCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one CNI entry point every plugin goes through: reads {@code CNI_*}, checks which are
 * required for the verb, negotiates and gates the spec version, calls the plugin's handler and
 * prints the result (converted to the config's version) or the error JSON on stdout.
 *
 * <p>It takes env, stdin and stdout as parameters so tests drive plugins in-process on the same
 * code path as the executables. Returns the exit code: 0, or 1 for any CNI error.
 */
public final class PluginMain {
    private PluginMain() {}

    /** Runs a call standalone ({@link Invocation#STANDALONE}): the way tests drive a single plugin. */
    public static int run(
            Plugin plugin, Map<String, String> env, InputStream stdin, OutputStream stdout, PrintStream stderr) {
        return run(plugin, env, stdin, stdout, stderr, Invocation.STANDALONE);
    }

    /** Runs a call as its host ({@code invocation}) hosts it. */
    public static int run(
            Plugin plugin,
            Map<String, String> env,
            InputStream stdin,
            OutputStream stdout,
            PrintStream stderr,
            Invocation invocation) {
        String version = CniVersion.CURRENT;
        try {
            String commandName = env.getOrDefault("CNI_COMMAND", "");
            if (commandName.isEmpty()) {
                stderr.println("CNI plugin " + plugin.name() + " (cni4j)\nCNI protocol versions supported: "
                        + String.join(", ", plugin.supportedVersions()));
                return 0;
            }
            Command command = Command.of(commandName);
            if (command == null) {
                throw new CniException(ErrorCode.INVALID_ENVIRONMENT, "unknown CNI_COMMAND: " + commandName);
            }
            byte[] input = readAll(stdin);
            if (command == Command.VERSION) {
                write(stdout, versionResult(plugin, input));
                return 0;
            }
            checkEnvironment(command, env);
            JsonObject config = parseConfig(input);
            version = configVersion(config);
            checkVersion(plugin, command, version);
            checkName(config);
            Request request = new Request(command, env, input, config, version, stderr, invocation);
            switch (command) {
                case ADD -> {
                    Result result = plugin.add(request);
                    write(stdout, ResultCodec.encode(result, version));
                }
                case DEL -> plugin.del(request);
                case CHECK -> plugin.check(request);
                case GC -> plugin.gc(request);
                case STATUS -> plugin.status(request);
                default -> throw new IllegalStateException();
            }
            return 0;
        } catch (Throwable t) {
            CniException e = toCniException(t, stderr, env);
            write(stdout, e.toJson(version));
            return 1;
        }
    }

    /** Runs {@code plugin} with the process's environment and streams, then exits. */
    public static void main(Plugin plugin, Invocation invocation) {
        PrintStream out = System.out;
        int code = run(plugin, System.getenv(), System.in, out, System.err, invocation);
        out.flush();
        System.err.flush();
        // halt, not exit: a plugin process registers no shutdown hooks, and System.exit logs the
        // exit through a System.Logger whose finder is looked up with a ServiceLoader, which opens
        // and scans the class-path jar: 2-3 ms of every standalone exec.
        Runtime.getRuntime().halt(code);
    }

    private static JsonObject versionResult(Plugin plugin, byte[] input) {
        // The spec says to echo the caller's cniVersion; the Go skel prints its own. Echo a
        // version we know, else ours.
        String asked = null;
        try {
            if (input.length > 0
                    && Json.parse(input) instanceof JsonObject o
                    && o.find("cniVersion") instanceof String s) {
                asked = s;
            }
        } catch (JsonException e) {
            // VERSION must answer even without a readable config.
        }
        String version = asked != null && CniVersion.ALL.contains(asked) ? asked : CniVersion.CURRENT;
        JsonObject o = new JsonObject();
        o.put("cniVersion", version);
        o.put("supportedVersions", new ArrayList<Object>(plugin.supportedVersions()));
        return o;
    }

    private static void checkEnvironment(Command command, Map<String, String> env) {
        List<String> required = switch (command) {
            case ADD, CHECK -> List.of("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME");
            case DEL -> List.of("CNI_CONTAINERID", "CNI_IFNAME");
            case GC -> List.of("CNI_PATH");
            default -> List.of();
        };
        List<String> missing = new ArrayList<>();
        for (String name : required) {
            if (env.getOrDefault(name, "").isEmpty()) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new CniException(
                    ErrorCode.INVALID_ENVIRONMENT,
                    "required env variables [" + String.join(",", missing) + "] missing");
        }
        if (required.contains("CNI_CONTAINERID")) {
            String id = env.get("CNI_CONTAINERID");
            if (!Names.isValidContainerId(id)) {
                throw new CniException(
                        ErrorCode.INVALID_ENVIRONMENT,
                        "invalid CNI_CONTAINERID \"" + id + "\"",
                        "must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
            }
            String ifname = env.get("CNI_IFNAME");
            String why = Names.interfaceNameProblem(ifname);
            if (why != null) {
                throw new CniException(ErrorCode.INVALID_ENVIRONMENT, "invalid CNI_IFNAME \"" + ifname + "\": " + why);
            }
        }
    }

    private static JsonObject parseConfig(byte[] input) {
        if (input.length == 0) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "no network configuration on stdin");
        }
        Object parsed;
        try {
            parsed = Json.parse(input);
        } catch (JsonException e) {
            throw new CniException(
                    ErrorCode.DECODING_FAILURE, "failed to parse network configuration: " + e.getMessage());
        }
        if (!(parsed instanceof JsonObject config)) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "network configuration must be a JSON object");
        }
        return config;
    }

    private static String configVersion(JsonObject config) {
        Object v = config.find("cniVersion");
        if (v == null || "".equals(v)) {
            return CniVersion.V0_1_0; // a config without cniVersion is 0.1.0, as libcni reads it
        }
        if (!(v instanceof String s) || !CniVersion.isValid(s)) {
            throw new CniException(
                    ErrorCode.DECODING_FAILURE,
                    "invalid cniVersion " + Json.write(v),
                    "cniVersion must be a version string such as \"1.1.0\"");
        }
        return s;
    }

    private static void checkVersion(Plugin plugin, Command command, String version) {
        if (!plugin.supportedVersions().contains(version)) {
            throw new CniException(
                    ErrorCode.INCOMPATIBLE_VERSION,
                    "incompatible CNI versions",
                    "config is \"" + version + "\", plugin supports "
                            + Json.write(new ArrayList<Object>(plugin.supportedVersions())));
        }
        String min = switch (command) {
            case CHECK -> CniVersion.V0_4_0;
            case GC, STATUS -> CniVersion.V1_1_0;
            default -> null;
        };
        if (min != null && !CniVersion.atLeast(version, min)) {
            throw new CniException(
                    ErrorCode.INCOMPATIBLE_VERSION,
                    "config version does not allow " + command,
                    "config is \"" + version + "\", " + command + " needs " + min + " or later");
        }
    }

    private static void checkName(JsonObject config) {
        Object name = config.find("name");
        if (!(name instanceof String s) || s.isEmpty()) {
            throw new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG, "missing network name", "the config needs a \"name\" string");
        }
        if (!Names.isValidNetworkName(s)) {
            throw new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG,
                    "invalid network name \"" + s + "\"",
                    "must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
        }
    }

    private static CniException toCniException(Throwable t, PrintStream stderr, Map<String, String> env) {
        if (t instanceof CniException e) {
            return e;
        }
        if (t instanceof JsonTypeException e) {
            return new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG, "invalid network configuration: " + e.getMessage());
        }
        if (t instanceof JsonException e) {
            return new CniException(ErrorCode.DECODING_FAILURE, "failed to decode: " + e.getMessage());
        }
        if (t instanceof UncheckedIOException || t instanceof IOException) {
            return new CniException(ErrorCode.IO_FAILURE.code(), "I/O failure: " + t.getMessage(), null, t);
        }
        // An unexpected failure is a bug: keep stdout to the error JSON, put the trace on stderr.
        t.printStackTrace(stderr);
        return new CniException(ErrorCode.INTERNAL.code(), t.toString(), null, t);
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new CniException(ErrorCode.IO_FAILURE.code(), "failed to read stdin: " + e.getMessage(), null, e);
        }
    }

    private static void write(OutputStream out, JsonObject json) {
        try {
            out.write(Json.write(json).getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
