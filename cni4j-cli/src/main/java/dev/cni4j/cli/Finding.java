package dev.cni4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** One thing {@code cni4j doctor} found wrong: how bad, what is wrong, what to do about it. */
record Finding(Severity severity, String problem, String remedy) {
    /** ERROR: pods will fail or lack connectivity. WARNING: leftovers and ambiguities. */
    enum Severity {
        ERROR,
        WARNING
    }

    static Finding error(String problem, String remedy) {
        return new Finding(Severity.ERROR, problem, remedy);
    }

    static Finding warning(String problem, String remedy) {
        return new Finding(Severity.WARNING, problem, remedy);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", severity.name().toLowerCase(java.util.Locale.ROOT));
        m.put("problem", problem);
        m.put("remedy", remedy);
        return m;
    }
}
