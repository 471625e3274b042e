package dev.cni4j.spec;

import java.util.List;

/** CNI spec versions: parsing, ordering, and the set our plugins support. */
public final class CniVersion {
    public static final String V0_1_0 = "0.1.0";
    public static final String V0_2_0 = "0.2.0";
    public static final String V0_3_0 = "0.3.0";
    public static final String V0_3_1 = "0.3.1";
    public static final String V0_4_0 = "0.4.0";
    public static final String V1_0_0 = "1.0.0";
    public static final String V1_1_0 = "1.1.0";
    public static final String CURRENT = V1_1_0;

    /** Every version the spec has published, oldest first. */
    public static final List<String> ALL = List.of(V0_1_0, V0_2_0, V0_3_0, V0_3_1, V0_4_0, V1_0_0, V1_1_0);

    /** The versions a network config list can say: lists (conflists) began with 0.3.0. */
    public static final List<String> LISTS = List.of(V0_3_0, V0_3_1, V0_4_0, V1_0_0, V1_1_0);

    private CniVersion() {}

    /** True for a well-formed {@code major.minor.patch}. */
    public static boolean isValid(String v) {
        return parse(v) != null;
    }

    /** Compares two well-formed versions; malformed ones sort as 0.0.0. */
    public static int compare(String a, String b) {
        int[] x = parse(a);
        int[] y = parse(b);
        x = x == null ? new int[3] : x;
        y = y == null ? new int[3] : y;
        for (int i = 0; i < 3; i++) {
            if (x[i] != y[i]) {
                return Integer.compare(x[i], y[i]);
            }
        }
        return 0;
    }

    public static boolean atLeast(String v, String min) {
        return compare(v, min) >= 0;
    }

    /** The result schema family a version uses. */
    public static Schema schemaOf(String v) {
        if (compare(v, V0_3_0) < 0) {
            return Schema.V02;
        }
        if (compare(v, V1_0_0) < 0) {
            return Schema.V04;
        }
        return Schema.V1;
    }

    /** The three result layouts the spec has had. */
    public enum Schema {
        /** 0.1.0 and 0.2.0: {@code ip4}/{@code ip6} objects. */
        V02,
        /** 0.3.0 to 0.4.0: {@code interfaces}, {@code ips} with {@code version}. */
        V04,
        /** 1.0.0 and later: as 0.4.0 without {@code ips[].version}, plus 1.1 fields. */
        V1
    }

    private static int[] parse(String v) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        int[] out = new int[3];
        int part = 0;
        int digits = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '.') {
                if (digits == 0 || ++part > 2) {
                    return null;
                }
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (++digits > 6) {
                    return null;
                }
                out[part] = out[part] * 10 + (c - '0');
            } else {
                return null;
            }
        }
        return part == 2 && digits > 0 ? out : null;
    }
}
