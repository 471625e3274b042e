package dev.cni4j.agent.policy;

import dev.cni4j.agent.policy.NftState.NftSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies the commands {@link NftPolicyDiff} writes to an {@link NftState}, failing where nft
 * would refuse the transaction: an element added to or deleted from a set that has no such set
 * (or deleted when absent), a rule naming a set or counter that does not exist, a chain deleted
 * while it has rules or a map jumps to it, a set deleted while a rule names it.
 */
final class NftApplier {
    private static final Pattern ELEMENTS = Pattern.compile("(add|delete) element inet cni4j_policy (\\S+) \\{ (.*) }");
    private static final Pattern SET =
            Pattern.compile("add set inet cni4j_policy (\\S+) \\{ type ([^;]+);( flags interval;)? }");
    private static final Pattern OBJ =
            Pattern.compile("(add|delete|flush) (counter|chain|set) inet cni4j_policy (\\S+)");
    private static final Pattern RULE = Pattern.compile("add rule inet cni4j_policy (\\S+) (.*)");

    private final Map<String, NftSet> sets = new TreeMap<>();
    private final Map<String, TreeSet<String>> elements = new TreeMap<>();
    private final TreeSet<String> counters = new TreeSet<>();
    private final Map<String, List<String>> chains = new TreeMap<>();
    private final Map<String, SortedMap<String, String>> maps = new TreeMap<>();

    NftApplier(NftState s) {
        s.sets().forEach((k, v) -> {
            sets.put(k, v);
            elements.put(k, new TreeSet<>(v.elements()));
        });
        counters.addAll(s.counters());
        s.chains().forEach((k, v) -> chains.put(k, new ArrayList<>(v)));
        s.maps().forEach((k, v) -> maps.put(k, new TreeMap<>(v)));
    }

    NftApplier apply(String script) {
        for (String line : script.lines().toList()) {
            applyLine(line);
        }
        return this;
    }

    private void applyLine(String line) {
        Matcher m;
        if ((m = ELEMENTS.matcher(line)).matches()) {
            boolean add = m.group(1).equals("add");
            String name = m.group(2);
            List<String> es = Arrays.asList(m.group(3).split(", "));
            if (maps.containsKey(name)) {
                for (String e : es) {
                    String[] kv = e.split(" : ");
                    if (add) {
                        check(kv.length == 2 && chains.containsKey(kv[1].substring("jump ".length())), line);
                        check(maps.get(name).put(kv[0], kv[1]) == null, line + " (element exists)");
                    } else {
                        check(maps.get(name).remove(kv[0]) != null, line + " (no such element)");
                    }
                }
                return;
            }
            check(elements.containsKey(name), line + " (no such set)");
            for (String e : es) {
                check(add ? elements.get(name).add(e) : elements.get(name).remove(e), line + " (" + e + ")");
            }
        } else if ((m = SET.matcher(line)).matches()) {
            check(!sets.containsKey(m.group(1)), line);
            sets.put(m.group(1), new NftSet(m.group(2), m.group(3) != null, new TreeSet<>()));
            elements.put(m.group(1), new TreeSet<>());
        } else if ((m = RULE.matcher(line)).matches()) {
            check(chains.containsKey(m.group(1)), line);
            Matcher ref = Pattern.compile("@(\\S+)").matcher(m.group(2));
            while (ref.find()) {
                check(sets.containsKey(ref.group(1)), line + " (no set " + ref.group(1) + ")");
            }
            Matcher cnt = Pattern.compile("counter name (\\S+)").matcher(m.group(2));
            while (cnt.find()) {
                check(counters.contains(cnt.group(1)), line);
            }
            chains.get(m.group(1)).add(m.group(2));
        } else if ((m = OBJ.matcher(line)).matches()) {
            String verb = m.group(1), kind = m.group(2), name = m.group(3);
            switch (kind + " " + verb) {
                case "counter add" -> check(counters.add(name), line);
                case "counter delete" -> {
                    check(
                            chains.values().stream()
                                    .flatMap(List::stream)
                                    .noneMatch(r -> r.contains("counter name " + name + " ")),
                            line);
                    check(counters.remove(name), line);
                }
                case "chain add" -> chains.putIfAbsent(name, new ArrayList<>());
                case "chain flush" -> {
                    check(chains.containsKey(name), line);
                    chains.get(name).clear();
                }
                case "chain delete" -> {
                    check(chains.containsKey(name) && chains.get(name).isEmpty(), line + " (not empty)");
                    check(
                            maps.values().stream().noneMatch(mm -> mm.containsValue("jump " + name)),
                            line + " (still a jump target)");
                    chains.remove(name);
                }
                case "set delete" -> {
                    check(
                            chains.values().stream().flatMap(List::stream).noneMatch(r -> r.contains("@" + name + " ")),
                            line + " (in use)");
                    check(sets.remove(name) != null, line);
                    elements.remove(name);
                }
                default -> throw new AssertionError("unexpected command: " + line);
            }
        } else {
            throw new AssertionError("unexpected command: " + line);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("nft would refuse: " + what);
        }
    }

    NftState state() {
        Map<String, NftSet> s = new TreeMap<>();
        sets.forEach((k, v) -> s.put(k, new NftSet(v.type(), v.interval(), elements.get(k))));
        return new NftState(new TreeMap<>(s), counters, new TreeMap<>(chains), new TreeMap<>(maps));
    }
}
