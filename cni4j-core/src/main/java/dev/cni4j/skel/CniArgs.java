package dev.cni4j.skel;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code CNI_ARGS}: {@code K=V;K2=V2}, parsed as the reference skel does. Each pair must split
 * into exactly two parts; keys a plugin does not know are an error unless {@code IgnoreUnknown}
 * is true ({@code 1}/{@code true}, any case). Parsed only when a plugin asks, like the reference
 * loopback, which ignores {@code CNI_ARGS} entirely.
 */
public final class CniArgs {
    private final Map<String, String> values;

    private CniArgs(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code raw}, accepting only {@code known} keys (plus IgnoreUnknown) unless told to ignore others. */
    public static CniArgs parse(String raw, Collection<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return new CniArgs(values);
        }
        for (String pair : raw.split(";", -1)) {
            String[] kv = pair.split("=", -1);
            if (kv.length != 2) {
                throw new CniException(
                        ErrorCode.INVALID_ENVIRONMENT,
                        "ARGS: invalid pair \"" + pair + "\"",
                        "CNI_ARGS must be K=V pairs separated by ';'");
            }
            values.put(kv[0], kv[1]);
        }
        boolean ignoreUnknown = false;
        String ignore = values.get("IgnoreUnknown");
        if (ignore != null) {
            if (ignore.equals("1") || ignore.equalsIgnoreCase("true")) {
                ignoreUnknown = true;
            } else if (!(ignore.equals("0") || ignore.equalsIgnoreCase("false"))) {
                throw new CniException(
                        ErrorCode.INVALID_ENVIRONMENT, "ARGS: invalid value \"" + ignore + "\" for IgnoreUnknown");
            }
        }
        if (!ignoreUnknown) {
            List<String> unknown = new ArrayList<>();
            for (String key : values.keySet()) {
                if (!key.equals("IgnoreUnknown") && !known.contains(key)) {
                    unknown.add(key);
                }
            }
            if (!unknown.isEmpty()) {
                throw new CniException(
                        ErrorCode.INVALID_ENVIRONMENT,
                        "ARGS: unknown args " + unknown,
                        "set IgnoreUnknown=1 in CNI_ARGS to ignore them");
            }
        }
        return new CniArgs(values);
    }

    public String get(String key) {
        return values.get(key);
    }

    public Map<String, String> asMap() {
        return values;
    }
}
