package dev.cni4j.runtime;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A plugin's answer to VERSION: the version it answered in, and every version it supports. */
public record VersionInfo(String cniVersion, List<String> supportedVersions) {

    public VersionInfo {
        supportedVersions = List.copyOf(supportedVersions);
    }

    public boolean supports(String version) {
        return supportedVersions.contains(version);
    }

    /** What a plugin older than VERSION (0.1.0) is taken to support. */
    static VersionInfo legacy() {
        return new VersionInfo(CniVersion.V0_1_0, List.of(CniVersion.V0_1_0));
    }

    /** Decodes VERSION output with libcni's rules: a bare 0.2.0 answer means 0.1.0 and 0.2.0. */
    static VersionInfo decode(byte[] stdout) {
        JsonObject o;
        try {
            o = Json.parseObject(new String(stdout, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "decoding version info: " + e.getMessage());
        }
        String version = o.string("cniVersion");
        if (version == null || version.isEmpty()) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "decoding version info: missing field cniVersion");
        }
        List<String> supported = o.strings("supportedVersions");
        if (supported == null) {
            if (version.equals(CniVersion.V0_2_0)) {
                return new VersionInfo(version, List.of(CniVersion.V0_1_0, CniVersion.V0_2_0));
            }
            throw new CniException(
                    ErrorCode.DECODING_FAILURE, "decoding version info: missing field supportedVersions");
        }
        return new VersionInfo(version, supported);
    }
}
