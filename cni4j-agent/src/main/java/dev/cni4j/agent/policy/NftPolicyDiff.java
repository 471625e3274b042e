package dev.cni4j.agent.policy;

import static dev.cni4j.agent.policy.NftPolicyRenderer.TABLE;

import dev.cni4j.agent.policy.NftState.NftSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The nft commands that turn our table from one state into the next, for one atomic
 * transaction ({@code nft -f}). Set members change by element (a pod relabel or a new peer pod is
 * element additions and deletions only, set names being hashes of their selectors); a pod's
 * chain is rewritten (flush and refill) only when its rules changed; dispatch map elements come
 * and go with isolated pods. No change, no commands. Order: new sets and counters, element
 * changes, new and changed chains, map elements, then what is no longer referenced goes.
 */
public final class NftPolicyDiff {
    private NftPolicyDiff() {}

    public static String script(CompiledPolicy before, CompiledPolicy after) {
        return script(before, after, NftPolicyRenderer.Options.DEFAULT);
    }

    /** Both states rendered with the same options (a change of options needs a full script). */
    public static String script(CompiledPolicy before, CompiledPolicy after, NftPolicyRenderer.Options o) {
        return script(NftPolicyRenderer.state(before, o), NftPolicyRenderer.state(after, o));
    }

    /** Between two rendered states; a set that is the same object in both is skipped without a look at its elements. */
    public static String script(NftState before, NftState after) {
        List<String> out = new ArrayList<>();
        // 1. sets: new ones, then element changes of every set present after
        after.sets().forEach((name, set) -> {
            NftSet old = before.sets().get(name);
            if (old == set) {
                return;
            }
            if (old != null && !old.type().equals(set.type())) {
                throw new IllegalStateException("set " + name + " changed type"); // names are hashes of what they hold
            }
            if (old == null) {
                out.add("add set " + TABLE + " " + name + " " + set.declaration());
            }
            SortedSet<String> was = old == null ? new TreeSet<>() : old.elements();
            elements(out, "delete", name, minus(was, set.elements()));
            elements(out, "add", name, minus(set.elements(), was));
        });
        for (String k : after.counters()) {
            if (!before.counters().contains(k)) {
                out.add("add counter " + TABLE + " " + k);
            }
        }
        // 2. chains: create, or flush when the rules changed; then fill
        after.chains().forEach((name, rules) -> {
            List<String> old = before.chains().get(name);
            if (rules.equals(old)) {
                return;
            }
            out.add((old == null ? "add chain " : "flush chain ") + TABLE + " " + name);
            for (String r : rules) {
                out.add("add rule " + TABLE + " " + name + " " + r);
            }
        });
        // 3. dispatch maps: elements whose verdict went or changed, then the new ones
        after.maps().forEach((name, elements) -> {
            SortedMap<String, String> old = before.maps().getOrDefault(name, java.util.Collections.emptySortedMap());
            TreeSet<String> gone = new TreeSet<>();
            old.forEach((k, v) -> {
                if (!v.equals(elements.get(k))) {
                    gone.add(k);
                }
            });
            elements(out, "delete", name, gone);
            TreeSet<String> added = new TreeSet<>();
            elements.forEach((k, v) -> {
                if (!v.equals(old.get(k))) {
                    added.add(k + " : " + v);
                }
            });
            elements(out, "add", name, added);
        });
        // 4. what nothing refers to any more
        for (Map.Entry<String, List<String>> e : before.chains().entrySet()) {
            if (after.chains().containsKey(e.getKey())) {
                continue;
            }
            out.add("flush chain " + TABLE + " " + e.getKey());
            out.add("delete chain " + TABLE + " " + e.getKey());
        }
        for (String name : before.sets().keySet()) {
            if (!after.sets().containsKey(name)) {
                out.add("delete set " + TABLE + " " + name);
            }
        }
        for (String k : before.counters()) {
            if (!after.counters().contains(k)) {
                out.add("delete counter " + TABLE + " " + k);
            }
        }
        return out.isEmpty() ? "" : String.join("\n", out) + "\n";
    }

    private static void elements(List<String> out, String verb, String name, SortedSet<String> elements) {
        if (!elements.isEmpty()) {
            out.add(verb + " element " + TABLE + " " + name + " { " + String.join(", ", elements) + " }");
        }
    }

    private static SortedSet<String> minus(SortedSet<String> a, SortedSet<String> b) {
        TreeSet<String> r = new TreeSet<>(a);
        r.removeAll(b);
        return r;
    }
}
