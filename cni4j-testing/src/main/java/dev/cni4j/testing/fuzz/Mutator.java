package dev.cni4j.testing.fuzz;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Makes fuzz inputs from seeds: byte flips, truncation, deleted and repeated ranges, splices of
 * two seeds, invalid UTF-8, huge numbers, unicode, deep nesting, 32-bit magic values (for binary
 * formats), dictionary tokens; for JSON also on the structure: a value of the wrong type, a
 * duplicate key, a key in another case, a removed or added key, a value nested deeply, values
 * swapped. One input in twenty is random bytes or random JSON.
 */
final class Mutator {
    /** Tokens every parser should survive. */
    private static final List<String> TOKENS = List.of(
            "18446744073709551616",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "4294967296",
            "4294967295",
            "2147483648",
            "65536",
            "65535",
            "4095",
            "4096",
            "-1",
            "-0",
            "0",
            "0.5",
            "1e400",
            "-1e400",
            "1e-400",
            "1E2",
            "1.7976931348623157e309",
            "123456789012345678901234567890",
            "é",
            "\uD834\uDD1E",
            "\u0000",
            "\\u0000",
            "\\ud800",
            "\\udc00x",
            "\\u12",
            "\u202e",
            "\uFEFF",
            "\u00a0",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\\",
            "null",
            "true",
            "false",
            ";",
            "=",
            "/",
            "\r\n",
            "\n",
            "%",
            "0.0.0.0/0",
            "::/0",
            "::ffff:10.0.0.0/104",
            "fe80::/64",
            "10.0.0.0/8",
            "1.2.3.4",
            "256.1.1.1",
            "::1",
            "1.2.3.4/33",
            "1.2.3.4/-1",
            "2001:db8::/129",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "::ffff:1.2.3.4");

    private static final int[] INTERESTING_INTS = {
        0,
        1,
        -1,
        0x7f,
        0x80,
        0xff,
        0x7fff,
        0xffff,
        0x7fffffff,
        0x80000000,
        0xfffffffe,
        1 << 20,
        (1 << 20) + 1,
        0x434e4a31,
        0x434e4a32
    };
    private static final byte[][] BAD_UTF8 = {
        {(byte) 0xc3, 0x28},
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xff},
        {(byte) 0xc0, (byte) 0x80},
        {(byte) 0xe2, (byte) 0x82}
    };

    private final List<byte[]> seeds;
    private final List<String> words;
    private final List<Object> trees = new ArrayList<>();
    private final List<String> keys;
    private final boolean json;

    Mutator(List<byte[]> seeds, List<String> dictionary, boolean json) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a fuzzer needs at least one seed");
        }
        this.seeds = List.copyOf(seeds);
        this.json = json;
        Set<String> keySet = new LinkedHashSet<>();
        Set<String> wordSet = new LinkedHashSet<>(dictionary);
        if (json) {
            for (byte[] s : seeds) {
                Object tree = Json.parse(s);
                trees.add(tree);
                collect(tree, keySet, wordSet);
            }
        }
        wordSet.addAll(keySet);
        wordSet.addAll(TOKENS);
        this.words = List.copyOf(wordSet);
        this.keys = keySet.isEmpty() ? List.of("a") : List.copyOf(keySet);
    }

    byte[] input(SplittableRandom r) {
        int kind = r.nextInt(20);
        if (kind == 0) {
            byte[] b = new byte[r.nextInt(300)];
            r.nextBytes(b);
            return b;
        }
        if (kind == 1 && json) {
            return utf8(JsonTree.write(randomValue(r, 4)));
        }
        int pick = r.nextInt(seeds.size());
        byte[] b = seeds.get(pick);
        int byteMutations = 1 + r.nextInt(4);
        if (json && r.nextInt(3) > 0) {
            Object tree = JsonTree.of(trees.get(pick));
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                tree = mutateTree(tree, r);
            }
            b = utf8(JsonTree.write(tree));
            byteMutations = r.nextInt(3) == 0 ? 1 : 0;
        }
        for (int i = 0; i < byteMutations; i++) {
            b = mutateBytes(b, r);
        }
        return b;
    }

    // ---- bytes ----

    private byte[] mutateBytes(byte[] b, SplittableRandom r) {
        int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
        switch (r.nextInt(12)) {
            case 0 -> {
                if (b.length > 0) {
                    b = b.clone();
                    b[Math.min(at, b.length - 1)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                if (b.length > 0) {
                    b = b.clone();
                    byte[] values = {
                        0, 0x7f, (byte) 0x80, (byte) 0xff, '"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '\n'
                    };
                    b[Math.min(at, b.length - 1)] = values[r.nextInt(values.length)];
                }
            }
            case 2 -> b = cat(slice(b, 0, at), slice(b, Math.min(b.length, at + 1 + r.nextInt(16)), b.length));
            case 3 -> {
                int end = Math.min(b.length, at + 1 + r.nextInt(32));
                byte[] range = slice(b, at, end);
                int times = r.nextInt(8) == 0 ? 200 : 1;
                byte[] rep = new byte[0];
                for (int i = 0; i < times; i++) {
                    rep = cat(rep, range);
                }
                b = cat(slice(b, 0, end), rep, slice(b, end, b.length));
            }
            case 4, 5 -> b = cat(slice(b, 0, at), utf8(words.get(r.nextInt(words.size()))), slice(b, at, b.length));
            case 6 -> b = slice(b, 0, at);
            case 7 -> {
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                int from = other.length == 0 ? 0 : r.nextInt(other.length);
                b = cat(slice(b, 0, at), slice(other, from, other.length));
            }
            case 8 -> {
                if (b.length >= 4) {
                    b = b.clone();
                    int v = INTERESTING_INTS[r.nextInt(INTERESTING_INTS.length)];
                    int p = r.nextInt(b.length - 3);
                    b[p] = (byte) (v >>> 24);
                    b[p + 1] = (byte) (v >>> 16);
                    b[p + 2] = (byte) (v >>> 8);
                    b[p + 3] = (byte) v;
                }
            }
            case 9 -> b = cat(slice(b, 0, at), BAD_UTF8[r.nextInt(BAD_UTF8.length)], slice(b, at, b.length));
            case 10 -> {
                String open = r.nextBoolean() ? "[" : "{\"a\":";
                b = cat(slice(b, 0, at), utf8(open.repeat(1 + r.nextInt(2000))), slice(b, at, b.length));
            }
            default ->
                b = cat(slice(b, 0, at), utf8("x".repeat(r.nextInt(8) == 0 ? 70_000 : 300)), slice(b, at, b.length));
        }
        return b;
    }

    // ---- JSON structure ----

    private Object mutateTree(Object root, SplittableRandom r) {
        List<JsonTree.Slot> slots = JsonTree.slots(root);
        if (slots.isEmpty()) {
            return randomValue(r, 3);
        }
        JsonTree.Slot s = slots.get(r.nextInt(slots.size()));
        switch (r.nextInt(9)) {
            case 0, 1, 2 -> s.set(wrongValue(s.get(), r));
            case 3 -> s.remove();
            case 4 -> s.duplicate(wrongValue(s.get(), r)); // a key twice, or an element twice
            case 5 -> s.rename(r.nextBoolean() ? flipCase(s.key(), r) : keys.get(r.nextInt(keys.size())));
            case 6 -> s.insert(keys.get(r.nextInt(keys.size())), randomValue(r, 2));
            case 7 -> {
                Object v = s.get();
                for (int i = r.nextInt(3) == 0 ? 300 : 1 + r.nextInt(3); i > 0; i--) {
                    v = r.nextBoolean() ? JsonTree.array(v) : JsonTree.object(keys.get(r.nextInt(keys.size())), v);
                }
                s.set(v);
            }
            default -> {
                JsonTree.Slot o = slots.get(r.nextInt(slots.size()));
                Object v = JsonTree.copy(s.get());
                s.set(JsonTree.copy(o.get())); // copies: o may lie inside s
                o.set(v);
            }
        }
        return root;
    }

    /** A value, mostly of another type than {@code old}. */
    private Object wrongValue(Object old, SplittableRandom r) {
        return switch (r.nextInt(10)) {
            case 0 -> JsonTree.raw(Json.write(words.get(r.nextInt(words.size()))));
            case 1 -> JsonTree.raw(TOKENS.get(r.nextInt(21))); // a number token
            case 2 -> JsonTree.raw(r.nextBoolean() ? "true" : "null");
            case 3 -> JsonTree.array(JsonTree.copy(old));
            case 4 -> JsonTree.object(keys.get(r.nextInt(keys.size())), JsonTree.copy(old));
            case 5 ->
                old instanceof JsonTree.Raw raw
                        ? JsonTree.raw(raw.text().toUpperCase(Locale.ROOT))
                        : JsonTree.raw("\"\"");
            case 6 -> JsonTree.raw(Long.toString(r.nextLong(-70000, 70000)));
            case 7 -> JsonTree.raw("\"" + "\\ud800".repeat(1 + r.nextInt(3)) + "\"");
            case 8 -> JsonTree.raw(Json.write("x".repeat(r.nextInt(8) == 0 ? 70_000 : 1 + r.nextInt(300))));
            default -> randomValue(r, 2);
        };
    }

    private Object randomValue(SplittableRandom r, int depth) {
        int k = r.nextInt(depth <= 0 ? 4 : 6);
        return switch (k) {
            case 0 -> JsonTree.raw(Json.write(words.get(r.nextInt(words.size()))));
            case 1 -> JsonTree.raw(TOKENS.get(r.nextInt(21)));
            case 2 -> JsonTree.raw(r.nextBoolean() ? "false" : "null");
            case 3 -> JsonTree.raw(Long.toString(r.nextLong()));
            case 4 -> {
                List<Object> items = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    items.add(randomValue(r, depth - 1));
                }
                yield JsonTree.array(items.toArray());
            }
            default -> {
                Object o = JsonTree.object();
                for (int i = r.nextInt(5); i > 0; i--) {
                    JsonTree.put(o, keys.get(r.nextInt(keys.size())), randomValue(r, depth - 1));
                }
                yield o;
            }
        };
    }

    private static String flipCase(String key, SplittableRandom r) {
        if (key == null || key.isEmpty()) {
            return "X";
        }
        int i = r.nextInt(key.length());
        char c = key.charAt(i);
        char f = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
        return key.substring(0, i) + f + key.substring(i + 1);
    }

    private static void collect(Object v, Set<String> keys, Set<String> strings) {
        if (v instanceof JsonObject o) {
            for (Map.Entry<String, Object> e : o.entrySet()) {
                keys.add(e.getKey());
                collect(e.getValue(), keys, strings);
            }
        } else if (v instanceof List<?> l) {
            l.forEach(x -> collect(x, keys, strings));
        } else if (v instanceof String s) {
            strings.add(s);
        }
    }

    // ---- helpers ----

    /** The input as a printable string: text with escapes, or hex when it is mostly binary. */
    static String describe(byte[] input, int max) {
        String s = new String(input, StandardCharsets.UTF_8);
        long odd = s.chars()
                .filter(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0xfffd)
                .count();
        if (odd > input.length / 8) {
            return "hex " + Fuzzer.hex(input, max / 2);
        }
        String shown = s.length() > max ? s.substring(0, max) + "..." : s;
        try {
            return Json.write(shown);
        } catch (JsonException e) {
            return shown;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] slice(byte[] b, int from, int to) {
        from = Math.max(0, Math.min(from, b.length));
        to = Math.max(from, Math.min(to, b.length));
        byte[] out = new byte[to - from];
        System.arraycopy(b, from, out, 0, out.length);
        return out;
    }

    private static byte[] cat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
