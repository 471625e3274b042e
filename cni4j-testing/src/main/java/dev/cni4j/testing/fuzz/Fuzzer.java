package dev.cni4j.testing.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A seeded, time-bounded fuzzer for parsers: feeds a target its valid seeds, then mutations of
 * them (see {@link Mutator}) and random inputs, and fails on the first exception the target does
 * not document. Input {@code n} of a run depends only on the seeds, the run's seed and {@code n},
 * so a failure is reproduced by its seed and input number whatever the machine's speed.
 *
 * <p>System properties: {@code cni4j.fuzz.seconds} (time per target, default
 * {@value #DEFAULT_SECONDS}), {@code cni4j.fuzz.seed} (a number, or {@code random}; default a fixed
 * seed, so the normal build is repeatable), {@code cni4j.fuzz.input} (run only that input number,
 * to replay a failure). A failing input is also written to {@code target/fuzz-failures/}.
 *
 * <p>Jazzer was tried first: it resolves and starts on JDK 25, but its instrumentation cannot read
 * class files of version 69, so it fuzzes blind there, and it fuzzes one test per JVM.
 */
public final class Fuzzer {
    public static final double DEFAULT_SECONDS = 2;
    public static final long DEFAULT_SEED = 0x636e69346aL; // "cni4j"
    /** One input taking longer than this is a failure: a hang or a blow-up on hostile input. */
    private static final long SLOW_NANOS = 10_000_000_000L;

    /** Code under test: returns normally or throws. */
    @FunctionalInterface
    public interface Target {
        void run(byte[] input) throws Exception;
    }

    private final String name;
    private final Target target;
    private final List<byte[]> seeds = new ArrayList<>();
    private final List<String> dictionary = new ArrayList<>();
    private Predicate<Throwable> allowed = t -> false;
    private boolean json;

    private Fuzzer(String name, Target target) {
        this.name = name;
        this.target = target;
    }

    /** A fuzzer for {@code target}, named {@code name} in reports and failure files. */
    public static Fuzzer of(String name, Target target) {
        return new Fuzzer(name, target);
    }

    /** Valid inputs to start from. */
    public Fuzzer seeds(String... texts) {
        for (String t : texts) {
            seeds.add(t.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    public Fuzzer seeds(List<byte[]> raw) {
        seeds.addAll(raw);
        return this;
    }

    /** Tokens worth inserting (keys, separators, magic values); JSON seeds add their keys and strings. */
    public Fuzzer dictionary(String... tokens) {
        dictionary.addAll(List.of(tokens));
        return this;
    }

    /** Inputs are JSON: mutate their structure too (wrong types, duplicate keys, deep nesting...). */
    public Fuzzer json() {
        this.json = true;
        return this;
    }

    /** The exceptions the target documents for bad input; anything else fails the run. */
    @SafeVarargs
    public final Fuzzer allow(Class<? extends Throwable>... types) {
        Predicate<Throwable> before = allowed;
        List<Class<? extends Throwable>> allowedTypes = new java.util.ArrayList<>(); // the array itself does not escape
        for (Class<? extends Throwable> type : types) {
            allowedTypes.add(type);
        }
        allowed = t -> before.test(t) || allowedTypes.stream().anyMatch(c -> c.isInstance(t));
        return this;
    }

    /** Runs for the configured time; returns how many inputs ran. Throws AssertionError on a failure. */
    public long run() {
        long seed = seed();
        Mutator mutator = new Mutator(seeds, dictionary, json);
        String only = System.getProperty("cni4j.fuzz.input");
        if (only != null) {
            long n = Long.parseLong(only);
            runOne(seed, n, n < 0 ? seeds.get((int) (-n - 1)) : mutator.input(random(seed, n)));
            return 1;
        }
        for (int i = 0; i < seeds.size(); i++) {
            runOne(seed, -i - 1, seeds.get(i)); // seeds are numbered -1, -2, ...
        }
        long deadline = System.nanoTime() + (long) (seconds() * 1e9);
        long n = 0;
        while (System.nanoTime() < deadline) {
            runOne(seed, n, mutator.input(random(seed, n)));
            n++;
        }
        System.out.println("fuzz " + name + ": " + n + " inputs, seed " + seed + ", no failure");
        return n;
    }

    private void runOne(long seed, long n, byte[] input) {
        long start = System.nanoTime();
        try {
            target.run(input);
        } catch (Throwable t) {
            if (!allowed.test(t)) {
                throw failure(seed, n, input, t.toString(), t);
            }
        }
        long took = System.nanoTime() - start;
        if (took > SLOW_NANOS) {
            throw failure(seed, n, input, "took " + took / 1_000_000 + " ms", null);
        }
    }

    private AssertionError failure(long seed, long n, byte[] input, String what, Throwable cause) {
        Path saved = Path.of("target", "fuzz-failures", name + "-" + seed + "-" + n + ".bin");
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
        } catch (IOException e) {
            saved = null;
        }
        String shown = Mutator.describe(input, 2000);
        AssertionError e = new AssertionError(
                "fuzz " + name + " failed on input " + n + " (seed " + seed + "): " + what
                        + "\n  input (" + input.length + " bytes): " + shown
                        + (saved == null ? "" : "\n  saved to " + saved.toAbsolutePath())
                        + "\n  replay: -Dcni4j.fuzz.seed=" + seed + " -Dcni4j.fuzz.input=" + n,
                cause);
        return e;
    }

    /** The generator of input {@code n}: independent of every other input. */
    static SplittableRandom random(long seed, long n) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + n);
    }

    static double seconds() {
        return Double.parseDouble(System.getProperty("cni4j.fuzz.seconds", Double.toString(DEFAULT_SECONDS)));
    }

    static long seed() {
        String s = System.getProperty("cni4j.fuzz.seed", "");
        if (s.isEmpty()) {
            return DEFAULT_SEED;
        }
        if (s.equals("random")) {
            return new SplittableRandom().nextLong();
        }
        return Long.parseLong(s);
    }

    /** Hex of the first bytes, for messages about binary inputs. */
    static String hex(byte[] b, int max) {
        return HexFormat.of().formatHex(b, 0, Math.min(b.length, max)) + (b.length > max ? "..." : "");
    }
}
