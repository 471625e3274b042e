package dev.cni4j.agent.policy;

import java.util.List;

/**
 * A 9x9 truth table "from pod -> to pod", built like upstream's reachability.go: start from one
 * value, then set cells by namespace and pod wildcards (null = any).
 */
public final class Reachability {
    private final List<String> pods = NetpolModel.allPods();

    /** The pods in matrix order, "x/a" to "z/c". */
    public static List<String> pods() {
        return NetpolModel.allPods();
    }

    public boolean get(String from, String to) {
        return cells[pods.indexOf(from)][pods.indexOf(to)];
    }

    private final boolean[][] cells = new boolean[9][9];

    public Reachability(boolean all) {
        for (boolean[] row : cells) {
            java.util.Arrays.fill(row, all);
        }
    }

    public Reachability expectPeer(String fromNs, String fromPod, String toNs, String toPod, boolean v) {
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 9; j++) {
                if (matches(pods.get(i), fromNs, fromPod) && matches(pods.get(j), toNs, toPod)) {
                    cells[i][j] = v;
                }
            }
        }
        return this;
    }

    private static boolean matches(String pod, String ns, String name) {
        return (ns == null || pod.startsWith(ns + "/")) && (name == null || pod.endsWith("/" + name));
    }

    /** Everything into {@code pod} (a column). */
    public Reachability expectAllIngress(String pod, boolean v) {
        return expectPeer(null, null, pod.substring(0, 1), pod.substring(2), v);
    }

    /** Everything out of {@code pod} (a row). */
    public Reachability expectAllEgress(String pod, boolean v) {
        return expectPeer(pod.substring(0, 1), pod.substring(2), null, null, v);
    }

    public Reachability expect(String from, String to, boolean v) {
        cells[pods.indexOf(from)][pods.indexOf(to)] = v;
        return this;
    }

    /** The cells that differ, loopback ignored (upstream's ignoreLoopback), or an empty string. */
    public String differences(Reachability actual) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 9; j++) {
                if (i != j && cells[i][j] != actual.cells[i][j]) {
                    sb.append("  ")
                            .append(pods.get(i))
                            .append(" -> ")
                            .append(pods.get(j))
                            .append(": expected ")
                            .append(cells[i][j] ? "allowed" : "denied")
                            .append(", got ")
                            .append(actual.cells[i][j] ? "allowed" : "denied")
                            .append('\n');
                }
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("-\t");
        for (String p : pods) {
            sb.append(p).append('\t');
        }
        sb.append('\n');
        for (int i = 0; i < 9; i++) {
            sb.append(pods.get(i)).append('\t');
            for (int j = 0; j < 9; j++) {
                sb.append(i == j ? "." : cells[i][j] ? "X" : "-").append('\t');
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
