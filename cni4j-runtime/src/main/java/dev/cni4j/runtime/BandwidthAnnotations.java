package dev.cni4j.runtime;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the pod annotations {@code kubernetes.io/ingress-bandwidth} and
 * {@code kubernetes.io/egress-bandwidth} into the {@code bandwidth} capability argument, the way
 * kubelet and containerd do: each value is a Kubernetes quantity ({@code 10M}, {@code 1Mi},
 * {@code 1.5G}, {@code 1e6}), its rate is the quantity's integer value (rounded up, like
 * {@code Quantity.Value()}) in bits per second, and its burst is {@code math.MaxUint32} bits.
 * Values below {@code 1k} or above {@code 1P} are rejected, as kubelet rejects them.
 *
 * <p>Only the directions that are annotated appear in the map (CRI-O's {@code omitempty}); the
 * bandwidth plugin reads a missing direction as "not shaped", exactly like containerd's zeros.
 */
public final class BandwidthAnnotations {
    public static final String INGRESS = "kubernetes.io/ingress-bandwidth";
    public static final String EGRESS = "kubernetes.io/egress-bandwidth";
    /** containerd's burst: {@code math.MaxUint32} bits (about 512 MiB). */
    public static final long BURST = 4294967295L;
    /** Kubernetes' accepted range, in bits per second: 1k to 1P. */
    public static final long MIN_RATE = 1_000L;

    public static final long MAX_RATE = 1_000_000_000_000_000L;

    private static final String FORMAT =
            "quantities must match the regular expression " + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    private BandwidthAnnotations() {}

    /**
     * The {@code bandwidth} capability for these annotations: keys {@code ingressRate},
     * {@code ingressBurst}, {@code egressRate}, {@code egressBurst} (Long values); empty when
     * neither annotation is present.
     *
     * @throws IllegalArgumentException naming the annotation, when a value is malformed or
     *         outside Kubernetes' limits
     */
    public static Optional<Map<String, Object>> capability(Map<String, String> annotations) {
        Map<String, Object> bandwidth = new LinkedHashMap<>();
        put(bandwidth, annotations, INGRESS, "ingress");
        put(bandwidth, annotations, EGRESS, "egress");
        return bandwidth.isEmpty() ? Optional.empty() : Optional.of(bandwidth);
    }

    private static void put(
            Map<String, Object> bandwidth, Map<String, String> annotations, String key, String direction) {
        String value = annotations.get(key);
        if (value == null) {
            return;
        }
        try {
            bandwidth.put(direction + "Rate", rate(value));
            bandwidth.put(direction + "Burst", BURST);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + value + ": " + e.getMessage(), e);
        }
    }

    /**
     * One annotation value in bits per second.
     *
     * @throws IllegalArgumentException with kubelet's wording when malformed or out of range
     */
    public static long rate(String quantity) {
        BigDecimal bits = parseQuantity(quantity).setScale(0, RoundingMode.CEILING);
        if (bits.compareTo(BigDecimal.valueOf(MIN_RATE)) < 0) {
            throw new IllegalArgumentException("resource is unreasonably small (< 1kbit)");
        }
        if (bits.compareTo(BigDecimal.valueOf(MAX_RATE)) > 0) {
            throw new IllegalArgumentException("resource is unreasonably large (> 1Pbit)");
        }
        return bits.longValueExact();
    }

    /**
     * A Kubernetes quantity ({@code resource.ParseQuantity}): an optionally signed decimal
     * number followed by nothing, a decimal SI suffix ({@code n u m k M G T P E}), a binary
     * suffix ({@code Ki Mi Gi Ti Pi Ei}) or a decimal exponent ({@code e3}, {@code E-2}).
     */
    public static BigDecimal parseQuantity(String quantity) {
        if (quantity == null || quantity.isEmpty()) {
            throw new IllegalArgumentException("quantities must not be empty");
        }
        int end = 0;
        if (quantity.charAt(0) == '+' || quantity.charAt(0) == '-') {
            end = 1;
        }
        int digits = 0;
        int dots = 0;
        while (end < quantity.length() && (Character.isDigit(quantity.charAt(end)) || quantity.charAt(end) == '.')) {
            if (quantity.charAt(end) == '.') {
                dots++;
            } else {
                digits++;
            }
            end++;
        }
        if (digits == 0 || dots > 1) {
            throw new IllegalArgumentException(FORMAT);
        }
        String number = quantity.substring(0, end);
        if (number.endsWith(".")) {
            number = number.substring(0, number.length() - 1); // "1." is 1, as in Kubernetes
        }
        return new BigDecimal(number).multiply(multiplier(quantity.substring(end)));
    }

    private static BigDecimal multiplier(String suffix) {
        return switch (suffix) {
            case "" -> BigDecimal.ONE;
            case "n" -> BigDecimal.ONE.scaleByPowerOfTen(-9);
            case "u" -> BigDecimal.ONE.scaleByPowerOfTen(-6);
            case "m" -> BigDecimal.ONE.scaleByPowerOfTen(-3);
            case "k" -> BigDecimal.ONE.scaleByPowerOfTen(3);
            case "M" -> BigDecimal.ONE.scaleByPowerOfTen(6);
            case "G" -> BigDecimal.ONE.scaleByPowerOfTen(9);
            case "T" -> BigDecimal.ONE.scaleByPowerOfTen(12);
            case "P" -> BigDecimal.ONE.scaleByPowerOfTen(15);
            case "E" -> BigDecimal.ONE.scaleByPowerOfTen(18);
            case "Ki" -> BigDecimal.TWO.pow(10);
            case "Mi" -> BigDecimal.TWO.pow(20);
            case "Gi" -> BigDecimal.TWO.pow(30);
            case "Ti" -> BigDecimal.TWO.pow(40);
            case "Pi" -> BigDecimal.TWO.pow(50);
            case "Ei" -> BigDecimal.TWO.pow(60);
            default -> exponent(suffix);
        };
    }

    /** {@code e<int>} / {@code E<int>}; anything else is not a Kubernetes suffix. */
    private static BigDecimal exponent(String suffix) {
        if (suffix.length() >= 2 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')) {
            String exp = suffix.substring(1);
            int start = exp.charAt(0) == '+' || exp.charAt(0) == '-' ? 1 : 0;
            if (exp.length() > start
                    && exp.length() <= start + 3
                    && exp.substring(start).chars().allMatch(Character::isDigit)) {
                return BigDecimal.ONE.scaleByPowerOfTen(Integer.parseInt(exp));
            }
        }
        throw new IllegalArgumentException("unable to parse quantity's suffix \"" + suffix + "\"");
    }
}
