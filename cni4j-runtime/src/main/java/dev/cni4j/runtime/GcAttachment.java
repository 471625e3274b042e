package dev.cni4j.runtime;

import dev.cni4j.json.JsonObject;

/**
 * An attachment that is still valid, as listed in GC's {@code cni.dev/valid-attachments}:
 * {@code {"containerID": ..., "ifname": ...}}.
 */
public record GcAttachment(String containerId, String ifName) {
    JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.put("containerID", containerId);
        o.put("ifname", ifName);
        return o;
    }
}
