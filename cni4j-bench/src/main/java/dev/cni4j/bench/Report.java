package dev.cni4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The results table: one column per implementation, ratios of each to the last ("reference"). */
final class Report {
    private Report() {}

    static String render(
            Map<String, PodBenchmark.Measured> results, List<String> chain, int runs, int pods, List<Integer> scale)
            throws IOException {
        List<String> impls = List.copyOf(results.keySet());
        String base = impls.contains("reference") ? "reference" : impls.get(impls.size() - 1);
        Set<String> rows = new LinkedHashSet<>();
        results.values().forEach(m -> rows.addAll(m.rows().keySet()));
        StringBuilder sb = new StringBuilder();
        sb.append("Machine: ")
                .append(PodBenchmark.machine())
                .append(". Date: ")
                .append(LocalDate.now())
                .append(".\n");
        sb.append("Chain: loopback (separate network, ifname lo) + ")
                .append(String.join(" -> ", chain))
                .append(" (host-local IPAM), one hostPort and 1 Mbit/s each way per pod; ")
                .append(runs)
                .append(" sequential pods, then ")
                .append(pods)
                .append(" pods concurrently, then portmap ADD with ")
                .append(scale)
                .append(" hostPort pods already on the node.\n");
        sb.append("Times in ms: median (min-max); rates in pods/s. Ratio = implementation / ")
                .append(base)
                .append(" (for pods/s, higher is better).\n\n");
        sb.append("| measurement |");
        impls.forEach(i -> sb.append(' ').append(i).append(" |"));
        impls.stream()
                .filter(i -> !i.equals(base))
                .forEach(i -> sb.append(' ').append(i).append('/').append(base).append(" |"));
        sb.append("\n|---|");
        impls.forEach(i -> sb.append("---|"));
        impls.stream().filter(i -> !i.equals(base)).forEach(i -> sb.append("---|"));
        sb.append('\n');
        for (String row : rows) {
            sb.append("| ").append(row).append(" |");
            for (String impl : impls) {
                Stats s = results.get(impl).rows().get(row);
                sb.append(' ')
                        .append(s == null ? "-" : s.n() == 1 ? String.format("%.1f", s.median()) : s.text())
                        .append(" |");
            }
            Stats b = results.get(base).rows().get(row);
            for (String impl : impls) {
                if (impl.equals(base)) {
                    continue;
                }
                Stats s = results.get(impl).rows().get(row);
                sb.append(' ')
                        .append(s == null || b == null ? "-" : String.format("%.2f", s.median() / b.median()))
                        .append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** {@code Report --append DOC TEXT}: adds TEXT at the end of the results section (bench/pods.sh's memory table). */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !args[0].equals("--append")) {
            throw new IllegalArgumentException("usage: Report --append DOC TEXT");
        }
        Path doc = Path.of(args[1]);
        String text = Files.readString(doc);
        int end = text.indexOf("<!-- results:end -->");
        Files.writeString(doc, text.substring(0, end) + "\n" + args[2] + "\n" + text.substring(end));
    }

    /** Replaces the results section of the benchmarks doc with this run's table. */
    static void writeDocs(Path doc, String table) throws IOException {
        String begin = "<!-- results:begin -->";
        String end = "<!-- results:end -->";
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n\n" + begin + "\n" + end + "\n";
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        if (a < 0 || b < 0) {
            text = text + "\n" + begin + "\n" + end + "\n";
            a = text.indexOf(begin);
            b = text.indexOf(end);
        }
        Files.writeString(doc, text.substring(0, a + begin.length()) + "\n" + table + text.substring(b));
    }
}
