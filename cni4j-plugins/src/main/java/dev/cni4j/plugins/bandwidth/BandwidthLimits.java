package dev.cni4j.plugins.bandwidth;

import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.spec.CniException;
import java.util.List;

/**
 * The four shaping numbers, in bits per second and bits, as the reference reads them: from the
 * plugin config when any of the four keys is there (the static config wins), else from the
 * {@code bandwidth} capability in {@code runtimeConfig}. Zero means "not limited".
 */
public record BandwidthLimits(long ingressRate, long ingressBurst, long egressRate, long egressBurst) {
    static final List<String> KEYS = List.of("ingressRate", "ingressBurst", "egressRate", "egressBurst");
    /** The reference rejects {@code burst/8 >= MaxUint32}: tbf keeps the burst in a u32 of bytes. */
    static final long MAX_BURST_BYTES = 0xffffffffL;

    public static final BandwidthLimits NONE = new BandwidthLimits(0, 0, 0, 0);

    /** Reads and validates the limits of a request's config; a config error (code 7) when invalid. */
    public static BandwidthLimits from(JsonObject config) {
        JsonObject source = config;
        if (KEYS.stream().noneMatch(config::has)) {
            JsonObject rc = config.object("runtimeConfig");
            source = rc == null ? null : rc.object("bandwidth");
        }
        if (source == null) {
            return NONE;
        }
        BandwidthLimits l = new BandwidthLimits(
                number(source, "ingressRate"),
                number(source, "ingressBurst"),
                number(source, "egressRate"),
                number(source, "egressBurst"));
        validate("ingress", l.ingressRate, l.ingressBurst);
        validate("egress", l.egressRate, l.egressBurst);
        return l;
    }

    private static long number(JsonObject o, String key) {
        try {
            Long v = o.integer(key);
            if (v != null && v < 0) {
                throw CniException.invalidConfig(key + " must not be negative, got " + v);
            }
            return v == null ? 0 : v;
        } catch (JsonTypeException e) {
            throw CniException.invalidConfig("failed to parse network configuration: " + e.getMessage());
        }
    }

    private static void validate(String direction, long rate, long burst) {
        if (rate != 0 && burst == 0) {
            throw CniException.invalidConfig("if rate is set, burst must also be set (" + direction + ")");
        }
        if (rate == 0 && burst != 0) {
            throw CniException.invalidConfig("if burst is set, rate must also be set (" + direction + ")");
        }
        if (burst / 8 >= MAX_BURST_BYTES) {
            throw CniException.invalidConfig(
                    "burst cannot be more than 4GB (" + direction + " burst " + burst + " bits)");
        }
    }

    public boolean isZero() {
        return ingressRate == 0 && ingressBurst == 0 && egressRate == 0 && egressBurst == 0;
    }

    public boolean limitsIngress() {
        return ingressRate > 0 && ingressBurst > 0;
    }

    public boolean limitsEgress() {
        return egressRate > 0 && egressBurst > 0;
    }
}
