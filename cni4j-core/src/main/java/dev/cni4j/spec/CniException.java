package dev.cni4j.spec;

import dev.cni4j.json.JsonObject;

/**
 * A CNI error: what a plugin prints as {@code {"cniVersion","code","msg","details"}} with exit
 * code 1. The code is an int so that a delegated plugin's own code (>= 100) passes through.
 */
public class CniException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final String details;

    public CniException(ErrorCode code, String msg) {
        this(code.code(), msg, null, null);
    }

    public CniException(ErrorCode code, String msg, String details) {
        this(code.code(), msg, details, null);
    }

    public CniException(int code, String msg, String details, Throwable cause) {
        super(msg, cause);
        this.code = code;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String msg() {
        return getMessage();
    }

    public String details() {
        return details;
    }

    /** The error object as printed on stdout. */
    public JsonObject toJson(String cniVersion) {
        JsonObject o = new JsonObject();
        o.put("cniVersion", cniVersion);
        o.put("code", (long) code);
        o.put("msg", getMessage() == null ? "" : getMessage());
        if (details != null && !details.isEmpty()) {
            o.put("details", details);
        }
        return o;
    }

    /** Reads an error object printed by another plugin (libcni's form without cniVersion too). */
    public static CniException fromJson(JsonObject o) {
        Long code = o.integer("code");
        return new CniException(
                code == null ? ErrorCode.INTERNAL.code() : code.intValue(),
                o.string("msg", ""),
                o.string("details"),
                null);
    }

    public static CniException invalidConfig(String msg) {
        return new CniException(ErrorCode.INVALID_NETWORK_CONFIG, msg);
    }
}
