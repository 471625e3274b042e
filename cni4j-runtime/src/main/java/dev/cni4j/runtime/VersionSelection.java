package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import java.util.List;

/**
 * Picks the version a network list runs at, as libcni does: the highest of {@code cniVersions}
 * and {@code cniVersion} that this runtime implements (&lt;= 1.1.0). Plugins' VERSION output is
 * not consulted. A missing {@code cniVersion} means 0.1.0.
 */
public final class VersionSelection {
    private VersionSelection() {}

    /**
     * @param cniVersion  the {@code cniVersion} field, or null when absent
     * @param cniVersions the {@code cniVersions} field, or null when absent
     */
    public static String select(String cniVersion, List<String> cniVersions) {
        String best = null;
        if (cniVersions != null) {
            for (String v : cniVersions) {
                requireValid(v, "cniVersions entry");
                if (isImplemented(v) && (best == null || CniVersion.compare(v, best) > 0)) {
                    best = v;
                }
            }
        }
        if (cniVersion == null || cniVersion.isEmpty()) {
            return best != null ? best : CniVersion.V0_1_0;
        }
        requireValid(cniVersion, "cniVersion");
        if (best == null || (isImplemented(cniVersion) && CniVersion.compare(cniVersion, best) > 0)) {
            // libcni keeps a lone cniVersion even above what it implements; the plugins reject it.
            return cniVersion;
        }
        return best;
    }

    private static boolean isImplemented(String v) {
        return CniVersion.compare(v, CniVersion.CURRENT) <= 0;
    }

    private static void requireValid(String v, String what) {
        if (!CniVersion.isValid(v)) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "invalid " + what + " \"" + v + "\"");
        }
    }
}
