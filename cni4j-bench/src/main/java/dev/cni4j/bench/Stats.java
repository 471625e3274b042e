package dev.cni4j.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Median, min and max of a sample, in milliseconds. */
record Stats(double median, double min, double max, int n) {
    static Stats ofNanos(List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        int n = s.size();
        if (n == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double med = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
        return new Stats(med / 1e6, s.get(0) / 1e6, s.get(n - 1) / 1e6, n);
    }

    static Stats ofValues(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        double med = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
        return new Stats(med, s.get(0), s.get(n - 1), n);
    }

    String text() {
        if (n == 0) {
            return "-";
        }
        return String.format("%.1f (%.1f-%.1f)", median, min, max);
    }
}
