package dev.cni4j.agent.serve;

import java.io.PrintStream;
import java.time.Instant;

/**
 * Structured log: one JSON object per line on stderr, e.g.
 * {@code {"ts":"...","level":"warn","node":"n1","msg":"node skipped","peer":"n4","reason":"no podCIDR"}}.
 * Fields are given as alternating key/value arguments. Deliberately tiny: the agent logs
 * events, not traces, and a logging framework would be one more thing to configure.
 */
public final class JsonLog {
    private final String node;
    private final PrintStream out;

    public JsonLog(String node) {
        this(node, System.err);
    }

    public JsonLog(String node, PrintStream out) {
        this.node = node;
        this.out = out;
    }

    public void info(String msg, Object... fields) {
        write("info", msg, fields);
    }

    public void warn(String msg, Object... fields) {
        write("warn", msg, fields);
    }

    public void error(String msg, Object... fields) {
        write("error", msg, fields);
    }

    void write(String level, String msg, Object... fields) {
        out.println(format(level, msg, fields));
    }

    String format(String level, String msg, Object... fields) {
        StringBuilder b = new StringBuilder(128).append('{');
        field(b, "ts", Instant.now().toString()).append(',');
        field(b, "level", level).append(',');
        if (node != null) {
            field(b, "node", node).append(',');
        }
        field(b, "msg", msg);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            b.append(',');
            field(b, String.valueOf(fields[i]), fields[i + 1]);
        }
        return b.append('}').toString();
    }

    private static StringBuilder field(StringBuilder b, String key, Object value) {
        quote(b, key).append(':');
        return value(b, value);
    }

    /** Numbers and booleans as such, maps as objects, collections as arrays, anything else as a string. */
    private static StringBuilder value(StringBuilder b, Object value) {
        if (value instanceof Number || value instanceof Boolean) {
            return b.append(value);
        }
        if (value instanceof java.util.Map<?, ?> m) {
            b.append('{');
            String sep = "";
            for (var e : m.entrySet()) {
                b.append(sep);
                field(b, String.valueOf(e.getKey()), e.getValue());
                sep = ",";
            }
            return b.append('}');
        }
        if (value instanceof java.util.Collection<?> c) {
            b.append('[');
            String sep = "";
            for (Object o : c) {
                b.append(sep);
                value(b, o);
                sep = ",";
            }
            return b.append(']');
        }
        if (value instanceof Throwable t) {
            value = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        return quote(b, String.valueOf(value));
    }

    /** JSON string escaping (RFC 8259). */
    public static StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
