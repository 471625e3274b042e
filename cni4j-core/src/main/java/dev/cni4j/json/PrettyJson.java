package dev.cni4j.json;

import java.util.List;
import java.util.Map;

/**
 * Indented JSON for people: the CLI's output and the conflists cni4j writes ({@link Json} writes compact JSON for
 * plugins).
 */
public final class PrettyJson {
    private PrettyJson() {}

    /** {@code value} (maps, lists and what {@link Json#write} takes) indented by two spaces, a member a line. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value, int depth) {
        if (value instanceof Map<?, ?> m && !m.isEmpty()) {
            sb.append('{');
            String sep = "\n";
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(sep)
                        .append("  ".repeat(depth + 1))
                        .append(Json.write(String.valueOf(e.getKey())))
                        .append(": ");
                write(sb, e.getValue(), depth + 1);
                sep = ",\n";
            }
            sb.append('\n').append("  ".repeat(depth)).append('}');
        } else if (value instanceof List<?> l && !l.isEmpty()) {
            sb.append('[');
            String sep = "\n";
            for (Object o : l) {
                sb.append(sep).append("  ".repeat(depth + 1));
                write(sb, o, depth + 1);
                sep = ",\n";
            }
            sb.append('\n').append("  ".repeat(depth)).append(']');
        } else {
            sb.append(Json.write(value));
        }
    }
}
