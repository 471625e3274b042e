package dev.cni4j.plugins.portmap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An {@code iptables-save} listing: per table, the chain names and the rule lines ("-A CHAIN ..."). */
final class IptablesSave {
    private final Map<String, Set<String>> chains = new HashMap<>();
    private final Map<String, List<String>> rules = new HashMap<>();

    static IptablesSave parse(String text) {
        IptablesSave s = new IptablesSave();
        String table = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1).trim();
            } else if (table != null && line.startsWith(":")) {
                int sp = line.indexOf(' ');
                s.chains
                        .computeIfAbsent(table, t -> new LinkedHashSet<>())
                        .add(line.substring(1, sp < 0 ? line.length() : sp));
            } else if (table != null && line.startsWith("-A ")) {
                s.rules.computeIfAbsent(table, t -> new ArrayList<>()).add(line);
            }
        }
        return s;
    }

    boolean hasChain(String table, String chain) {
        return chains.getOrDefault(table, Set.of()).contains(chain);
    }

    boolean hasRule(String table, String line) {
        return rules.getOrDefault(table, List.of()).contains(line);
    }

    /** Rule lines of {@code table} in {@code chain}. */
    List<String> rules(String table, String chain) {
        String prefix = "-A " + chain + " ";
        return rules.getOrDefault(table, List.of()).stream()
                .filter(l -> l.startsWith(prefix))
                .toList();
    }

    /** Rule lines of {@code table} that jump to {@code target}. */
    List<String> jumpsTo(String table, String target) {
        return rules.getOrDefault(table, List.of()).stream()
                .filter(l -> l.endsWith(" -j " + target) || l.contains(" -j " + target + " "))
                .toList();
    }
}
