package dev.cni4j.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-written command-line parser (no library: start-up time matters for a CLI that runs
 * a JVM). Options are declared as {@code "--conf-dir="} (takes a value), {@code "--json"} (a
 * flag) or with a short alias {@code "-p|--publish="}. Values come as {@code --opt value} or
 * {@code --opt=value}; options may repeat; everything after {@code --} is {@link #rest()}.
 * {@code --help}/{@code -h} is always known. Unknown options are usage errors.
 */
final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positionals = new ArrayList<>();
    private final List<String> rest = new ArrayList<>();

    private Args() {}

    /**
     * @param argv the arguments after the command words
     * @param declared option declarations, see the class comment
     */
    static Args parse(List<String> argv, String... declared) {
        Map<String, String> canonical = new HashMap<>();
        Map<String, Boolean> takesValue = new HashMap<>();
        canonical.put("--help", "--help");
        canonical.put("-h", "--help");
        takesValue.put("--help", false);
        for (String d : declared) {
            boolean value = d.endsWith("=");
            String names = value ? d.substring(0, d.length() - 1) : d;
            String[] aliases = names.split("\\|");
            String main = aliases[aliases.length - 1];
            for (String a : aliases) {
                canonical.put(a, main);
            }
            takesValue.put(main, value);
        }
        Args args = new Args();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--")) {
                args.rest.addAll(argv.subList(i + 1, argv.size()));
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) {
                args.positionals.add(a);
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq > 0 && a.startsWith("--") ? a.substring(0, eq) : a;
            String main = canonical.get(name);
            if (main == null) {
                throw CliException.usage("unknown option " + name);
            }
            String value;
            if (!takesValue.get(main)) {
                if (eq > 0 && a.startsWith("--")) {
                    throw CliException.usage("option " + name + " takes no value");
                }
                value = "";
            } else if (eq > 0 && a.startsWith("--")) {
                value = a.substring(eq + 1);
            } else if (i + 1 < argv.size()) {
                value = argv.get(++i);
            } else {
                throw CliException.usage("option " + name + " needs a value");
            }
            args.values.computeIfAbsent(main, k -> new ArrayList<>()).add(value);
        }
        return args;
    }

    boolean help() {
        return flag("--help");
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** The last value of an option (a later one overrides), or {@code fallback}. */
    String value(String name, String fallback) {
        List<String> v = values.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    /** Every value of a repeatable option, in order. */
    List<String> values(String name) {
        return values.getOrDefault(name, List.of());
    }

    List<String> positionals() {
        return positionals;
    }

    /** The words after {@code --}. */
    List<String> rest() {
        return rest;
    }

    /** The positional arguments, which must be exactly the {@code names} given (for the message). */
    List<String> expect(String command, String... names) {
        if (positionals.size() != names.length) {
            String want = names.length == 0 ? "no arguments" : String.join(" ", names);
            throw CliException.usage(command + " takes " + want
                    + (positionals.isEmpty() ? "" : ", got " + String.join(" ", positionals)));
        }
        return positionals;
    }
}
