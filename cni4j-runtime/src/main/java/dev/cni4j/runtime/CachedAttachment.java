package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One result cache entry in libcni's {@code cniCacheV1} format:
 * <pre>{"kind":"cniCacheV1","containerId":…,"config":"&lt;base64 conflist&gt;","ifName":…,
 *  "networkName":…,"netns":…,"cniArgs":[["K","V"]],"capabilityArgs":{…},"result":{…}}</pre>
 * Field order and omissions follow Go's encoder so files are byte-for-byte what libcni writes
 * (except map key order inside capabilityArgs and result). A legacy entry (a bare result, before
 * cniCacheV1) has only {@link #result()}; {@link #legacy()} is true for it.
 */
public record CachedAttachment(
        String networkName,
        String containerId,
        String ifName,
        String netns,
        List<RuntimeConf.Arg> cniArgs,
        Map<String, Object> capabilityArgs,
        byte[] config,
        JsonObject result,
        boolean legacy) {

    public static final String KIND = "cniCacheV1";

    public CachedAttachment {
        netns = netns == null ? "" : netns;
        cniArgs = cniArgs == null ? List.of() : List.copyOf(cniArgs);
        capabilityArgs = capabilityArgs == null ? Map.of() : capabilityArgs;
        config = config == null ? null : config.clone();
    }

    @Override
    public byte[] config() {
        return config == null ? null : config.clone();
    }

    // Records compare arrays by identity; an entry is a value, so compare the config bytes.
    @Override
    public boolean equals(Object o) {
        return o instanceof CachedAttachment c
                && Objects.equals(networkName, c.networkName)
                && Objects.equals(containerId, c.containerId)
                && Objects.equals(ifName, c.ifName)
                && netns.equals(c.netns)
                && cniArgs.equals(c.cniArgs)
                && capabilityArgs.equals(c.capabilityArgs)
                && Arrays.equals(config, c.config)
                && Objects.equals(result, c.result)
                && legacy == c.legacy;
    }

    @Override
    public int hashCode() {
        return Objects.hash(networkName, containerId, ifName, netns, Arrays.hashCode(config));
    }

    @Override
    public String toString() {
        return "CachedAttachment[" + networkName + "-" + containerId + "-" + ifName + ", netns=" + netns
                + (legacy ? ", legacy" : "") + "]";
    }

    /** The parameters to re-run DEL with (GC uses this for stale attachments). */
    public RuntimeConf runtimeConf() {
        return new RuntimeConf(containerId, netns, ifName, cniArgs, capabilityArgs);
    }

    /** The file contents. */
    public byte[] encode() {
        JsonObject o = new JsonObject();
        o.put("kind", KIND);
        o.put("containerId", containerId);
        // Go encodes []byte as standard base64, and a nil slice as null.
        o.put("config", config == null ? null : Base64.getEncoder().encodeToString(config));
        o.put("ifName", ifName);
        o.put("networkName", networkName);
        if (netns != null && !netns.isEmpty()) {
            o.put("netns", netns);
        }
        if (cniArgs != null && !cniArgs.isEmpty()) {
            List<Object> pairs = new ArrayList<>();
            for (RuntimeConf.Arg a : cniArgs) {
                pairs.add(List.of(a.key(), a.value()));
            }
            o.put("cniArgs", pairs);
        }
        if (capabilityArgs != null && !capabilityArgs.isEmpty()) {
            o.put("capabilityArgs", capabilityArgs);
        }
        if (result != null && !result.isEmpty()) {
            o.put("result", result);
        }
        return Json.write(o).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a cache file. A {@code cniCacheV1} object is read fully; any other JSON object is a
     * legacy bare result and gets the key fields from the caller (they are in the file name).
     */
    public static CachedAttachment decode(byte[] bytes, String networkName, String containerId, String ifName) {
        JsonObject o;
        try {
            o = Json.parseObject(bytes);
        } catch (RuntimeException e) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "cannot parse cached result: " + e.getMessage());
        }
        if (!KIND.equals(o.string("kind"))) {
            return new CachedAttachment(networkName, containerId, ifName, "", List.of(), Map.of(), null, o, true);
        }
        try {
            return new CachedAttachment(
                    o.string("networkName", ""),
                    o.string("containerId", ""),
                    o.string("ifName", ""),
                    o.string("netns", ""),
                    args(o),
                    capabilityArgs(o),
                    config(o),
                    o.object("result"),
                    false);
        } catch (RuntimeException e) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "invalid cached result: " + e.getMessage());
        }
    }

    private static List<RuntimeConf.Arg> args(JsonObject o) {
        List<Object> raw = o.list("cniArgs");
        List<RuntimeConf.Arg> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (Object pair : raw) {
            if (!(pair instanceof List<?> l)
                    || l.size() != 2
                    || !(l.get(0) instanceof String k)
                    || !(l.get(1) instanceof String v)) {
                throw new IllegalArgumentException("cniArgs entry is not a [key, value] pair: " + Json.write(pair));
            }
            out.add(new RuntimeConf.Arg(k, v));
        }
        return out;
    }

    private static Map<String, Object> capabilityArgs(JsonObject o) {
        JsonObject caps = o.object("capabilityArgs");
        return caps == null ? Map.of() : caps;
    }

    private static byte[] config(JsonObject o) {
        String b64 = o.string("config");
        return b64 == null ? null : Base64.getDecoder().decode(b64);
    }
}
