package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.nio.charset.StandardCharsets;

/** Turns a failed plugin run into a {@link CniException}, with libcni's rules and wording. */
final class PluginErrors {
    private PluginErrors() {}

    /**
     * The plugin's error JSON from stdout; when stdout is empty, its stderr text (plugins that
     * crash print a stack trace there); when both are empty, the exit status.
     */
    static CniException fromFailedRun(int exit, byte[] stdout, byte[] stderr) {
        String out = new String(stdout, StandardCharsets.UTF_8);
        if (out.isBlank()) {
            String err = new String(stderr, StandardCharsets.UTF_8);
            if (err.isBlank()) {
                return new CniException(
                        ErrorCode.INTERNAL, "netplugin failed with no error message: exit status " + exit);
            }
            return new CniException(ErrorCode.INTERNAL, "netplugin failed: " + Json.write(err));
        }
        try {
            Object parsed = Json.parse(out);
            if (parsed instanceof JsonObject o) {
                return CniException.fromJson(o);
            }
        } catch (RuntimeException e) {
            // fall through to the generic message
        }
        return new CniException(
                ErrorCode.INTERNAL, "netplugin failed but error parsing its diagnostic message " + Json.write(out));
    }
}
