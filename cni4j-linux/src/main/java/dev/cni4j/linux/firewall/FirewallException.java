package dev.cni4j.linux.firewall;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A firewall tool rejected a batch; carries its exit code, stderr and the script it was fed. */
public final class FirewallException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Where iptables-restore says it stopped: "Error occurred at line: 5" (nf_tables), "line 5 failed" (legacy). */
    private static final Pattern FAILED_LINE = Pattern.compile("Error occurred at line: (\\d+)|line (\\d+) failed");

    private final String command;
    private final int exitCode;
    private final String stderr;
    private final String script;

    public FirewallException(String command, int exitCode, String stderr, String script) {
        super(command + " exited " + exitCode + (stderr.isEmpty() ? "" : ": " + stderr));
        this.command = command;
        this.exitCode = exitCode;
        this.stderr = stderr;
        this.script = script;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stderr() {
        return stderr;
    }

    /** The input that was rejected, or null. */
    public String script() {
        return script;
    }

    /**
     * The failure as one line for a person: the tool's first line of complaint (without
     * iptables' "iptables-restore v1.8.9 (nf_tables): " prefix) and, when it names the input line
     * it stopped at, that line of the script rather than the whole script.
     */
    public String summary() {
        List<String> lines =
                stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String first = lines.isEmpty()
                ? "exited " + exitCode
                : lines.get(0)
                        .replaceFirst(
                                "^(\\S+ v[\\w.]+( \\([^)]*\\))?|[\\w.-]*tables[\\w.-]*): (line \\d+ failed: )?", "");
        StringBuilder s = new StringBuilder(command).append(": ").append(first);
        Matcher m = FAILED_LINE.matcher(stderr);
        if (m.find() && script != null) {
            int n = Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
            String[] input = script.split("\n", -1);
            if (n >= 1 && n <= input.length && input[n - 1].strip().equals("COMMIT")) {
                n = referenceTo(missingChain(), input); // iptables-nft finds a missing chain only at COMMIT
            }
            if (n >= 1 && n <= input.length) {
                s.append(" (input line ")
                        .append(n)
                        .append(": ")
                        .append(input[n - 1].strip())
                        .append(')');
            }
        }
        return s.toString();
    }

    /** The number (from 1) of the first line jumping to {@code chain}, or 0. */
    private static int referenceTo(String chain, String[] input) {
        for (int i = 0; chain != null && i < input.length; i++) {
            String line = input[i].strip() + " ";
            if (line.contains(" -j " + chain + " ") || line.contains(" -g " + chain + " ")) {
                return i + 1;
            }
        }
        return 0;
    }

    /** The chain the tool said does not exist (iptables-restore's two wordings), or null. */
    public String missingChain() {
        Matcher m = Pattern.compile("Chain '([^']+)' does not exist|Couldn't load target `([^']+)'")
                .matcher(stderr);
        return m.find() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
    }
}
