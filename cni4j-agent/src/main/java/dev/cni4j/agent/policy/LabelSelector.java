package dev.cni4j.agent.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A Kubernetes label selector in normal form: a sorted list of requirements, all of which must
 * hold ({@code matchLabels} entries become {@code key In (value)}). Two selectors that select the
 * same labels the same way have the same {@link #canonical()} text, which is what address sets
 * are shared by. The empty selector selects everything.
 *
 * @param requirements sorted by key, operator, values; no duplicates
 */
public record LabelSelector(List<Requirement> requirements) {
    /** The selector that selects everything ({@code {}}). */
    public static final LabelSelector ALL = new LabelSelector(List.of());

    public enum Operator {
        IN,
        NOT_IN,
        EXISTS,
        DOES_NOT_EXIST
    }

    /**
     * One requirement on one label.
     *
     * @param values non-empty for IN and NOT_IN, empty for EXISTS and DOES_NOT_EXIST
     */
    public record Requirement(String key, Operator operator, SortedSet<String> values) {
        public Requirement {
            values = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(values));
            boolean needsValues = operator == Operator.IN || operator == Operator.NOT_IN;
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("a label requirement needs a key");
            }
            if (needsValues == values.isEmpty()) {
                throw new IllegalArgumentException("operator " + operator + " on \"" + key + "\" "
                        + (needsValues ? "needs values" : "takes no values"));
            }
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case IN -> v != null && values.contains(v);
                case NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
            };
        }
    }

    private static final Comparator<Requirement> ORDER = Comparator.comparing(Requirement::key)
            .thenComparing(Requirement::operator)
            .thenComparing(r -> String.join("\u0000", r.values()));

    public LabelSelector {
        TreeSet<Requirement> sorted = new TreeSet<>(ORDER);
        sorted.addAll(requirements);
        requirements = List.copyOf(sorted);
    }

    /** {@code matchLabels} and {@code matchExpressions} together (both may be empty). */
    public static LabelSelector of(Map<String, String> matchLabels, List<Requirement> expressions) {
        List<Requirement> all = new ArrayList<>(expressions);
        matchLabels.forEach((k, v) -> all.add(new Requirement(k, Operator.IN, new TreeSet<>(List.of(v)))));
        return new LabelSelector(all);
    }

    /** Only {@code matchLabels}. */
    public static LabelSelector matchLabels(Map<String, String> matchLabels) {
        return of(matchLabels, List.of());
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean selectsAll() {
        return requirements.isEmpty();
    }

    /**
     * The normal form as text, e.g. {@code {"pod" in ("a","b"),"tier" exists}}: every string
     * quoted with {@code \} and {@code "} escaped, so no two selectors share a text. A key to
     * share sets by and to hash into names; never put into an nft script as it is.
     */
    public String canonical() {
        StringBuilder sb = new StringBuilder("{");
        for (Requirement r : requirements) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            quote(sb, r.key());
            sb.append(
                    switch (r.operator()) {
                        case IN -> " in (";
                        case NOT_IN -> " notin (";
                        case EXISTS -> " exists";
                        case DOES_NOT_EXIST -> " !exists";
                    });
            if (!r.values().isEmpty()) {
                boolean first = true;
                for (String v : r.values()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    quote(sb, v);
                }
                sb.append(')');
            }
        }
        return sb.append('}').toString();
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return canonical();
    }
}
