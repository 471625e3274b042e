package dev.cni4j.skel;

import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import dev.cni4j.spec.ResultCodec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One plugin invocation: the validated {@code CNI_*} environment and the parsed config.
 * Built by {@link PluginMain}; plugins read it, never the process environment.
 */
public final class Request {
    /** An attachment named in GC's {@code cni.dev/valid-attachments}. */
    public record Attachment(String containerId, String ifname) {}

    private final Command command;
    private final Map<String, String> env;
    private final byte[] stdin;
    private final JsonObject config;
    private final String cniVersion;
    private final PrintStream log;
    private final Invocation invocation;
    private Result prevResult;
    private boolean prevResultRead;

    Request(
            Command command,
            Map<String, String> env,
            byte[] stdin,
            JsonObject config,
            String cniVersion,
            PrintStream log,
            Invocation invocation) {
        this.command = command;
        this.env = env;
        this.stdin = stdin;
        this.config = config;
        this.cniVersion = cniVersion;
        this.log = log;
        this.invocation = invocation;
    }

    public Command command() {
        return command;
    }

    public String containerId() {
        return env.getOrDefault("CNI_CONTAINERID", "");
    }

    /** The netns path; empty when the runtime gave none (allowed for DEL). */
    public String netns() {
        return env.getOrDefault("CNI_NETNS", "");
    }

    /**
     * Where the plugin opens the pod's namespace: {@link #netns()} itself, or the path its host
     * relocated it to ({@link Invocation#netnsRelocated()}); null when there is none to open (no
     * {@code CNI_NETNS}, or a relocated one the caller could not open).
     */
    public Path netnsPath() {
        if (invocation.netnsRelocated()) {
            return invocation.relocatedNetns();
        }
        return netns().isEmpty() ? null : Path.of(netns());
    }

    /** How this call is hosted: in-process plugins for delegation, the relocated namespace. */
    public Invocation invocation() {
        return invocation;
    }

    public String ifname() {
        return env.getOrDefault("CNI_IFNAME", "");
    }

    /** {@code CNI_PATH} split on ':'. */
    public List<String> cniPath() {
        String p = env.getOrDefault("CNI_PATH", "");
        List<String> dirs = new ArrayList<>();
        for (String d : p.split(":")) {
            if (!d.isEmpty()) {
                dirs.add(d);
            }
        }
        return dirs;
    }

    /** {@code CNI_ARGS}, checked against the keys this plugin knows. */
    public CniArgs args(Collection<String> knownKeys) {
        return CniArgs.parse(env.getOrDefault("CNI_ARGS", ""), knownKeys);
    }

    /** The whole environment, for delegating to another plugin with the same variables. */
    public Map<String, String> env() {
        return env;
    }

    /** The config bytes exactly as received, for delegation. */
    public byte[] stdin() {
        return stdin;
    }

    public JsonObject config() {
        return config;
    }

    public String cniVersion() {
        return cniVersion;
    }

    public String networkName() {
        return config.string("name", "");
    }

    /** {@code runtimeConfig} (capability arguments), empty when absent. Keys match case-insensitively. */
    public JsonObject runtimeConfig() {
        JsonObject rc = config.object("runtimeConfig");
        return rc == null ? new JsonObject() : rc;
    }

    /** {@code prevResult} in the newest shape, or null. A result without cniVersion is read as the config's. */
    public Result prevResult() {
        if (!prevResultRead) {
            prevResultRead = true;
            JsonObject raw = config.object("prevResult");
            prevResult = raw == null || raw.isEmpty() ? null : ResultCodec.decode(raw, cniVersion);
        }
        return prevResult;
    }

    /** GC's valid attachments ({@code cni.dev/valid-attachments}, or the legacy key); empty when absent. */
    public List<Attachment> validAttachments() {
        List<JsonObject> raw = config.objects("cni.dev/valid-attachments");
        if (raw == null) {
            raw = config.objects("cni.dev/attachments");
        }
        List<Attachment> out = new ArrayList<>();
        if (raw != null) {
            for (JsonObject a : raw) {
                try {
                    out.add(new Attachment(a.string("containerID", ""), a.string("ifname", "")));
                } catch (JsonTypeException e) {
                    throw new CniException(
                            ErrorCode.INVALID_NETWORK_CONFIG, "invalid cni.dev/valid-attachments: " + e.getMessage());
                }
            }
        }
        return out;
    }

    /** Where plugins log: stderr of the plugin process, never stdout. */
    public PrintStream log() {
        return log;
    }
}
