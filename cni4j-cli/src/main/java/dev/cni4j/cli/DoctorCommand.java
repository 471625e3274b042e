package dev.cni4j.cli;

import dev.cni4j.json.PrettyJson;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.runtime.PluginLocator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code cni4j doctor}: checks a node for the problems users hit most (see
 * {@link ConfigChecks}, {@link RuntimeChecks}, {@link ReservationChecks}, {@link NodeChecks}) and says what to do.
 * Exit status 0 when nothing is wrong, 1 otherwise. Read only.
 */
final class DoctorCommand {
    static final String USAGE = """
            usage: cni4j doctor [--conf-dir DIR] [--bin-dir DIR[:DIR]] [--data-dir DIR] [--cache-dir DIR]
                                [--node-netns PATH] [--json]

            Checks this node (or the namespace --node-netns, a path or a name under /run/netns):
            ip_forward and br_netfilter/bridge-nf-call-iptables; configs in the conf dir (default
            /etc/cni/net.d) that are invalid or define a network twice; plugins they name that are
            missing from the bin dir (default $CNI_PATH, else /opt/cni/bin), or whose cniVersion is newer
            than the containerd or CRI-O on the PATH reads; host-local reservations
            in the data dir (default /var/lib/cni/networks) with no cached attachment in the cache
            dir (default /var/lib/cni); veths with no master and bwp* ifb devices nothing accounts for.
            Exit status 0 when nothing is wrong, 1 otherwise.
            """;

    private final PrintStream out;
    private final Map<String, String> env;
    private final Function<Path, NodeProbe> probes;

    DoctorCommand(PrintStream out, Map<String, String> env) {
        this(out, env, NodeProbe::kernel);
    }

    /** @param probes makes the probe for a node netns path (null: the current namespace) */
    DoctorCommand(PrintStream out, Map<String, String> env, Function<Path, NodeProbe> probes) {
        this.out = out;
        this.env = env;
        this.probes = probes;
    }

    int run(List<String> argv) {
        Args args =
                Args.parse(argv, "--conf-dir=", "--bin-dir=", "--data-dir=", "--cache-dir=", "--node-netns=", "--json");
        if (args.help()) {
            out.print(USAGE);
            return 0;
        }
        args.expect("doctor");
        Path confDir = Path.of(args.value("--conf-dir", NodeLayout.CONF_DIR));
        String binDirs = String.join(":", args.values("--bin-dir"));
        List<Path> bin =
                PluginLocator.parsePath(binDirs.isEmpty() ? env.getOrDefault("CNI_PATH", NodeLayout.BIN_DIR) : binDirs);
        Path dataDir = Path.of(args.value("--data-dir", NodeLayout.HOST_LOCAL_DATA_DIR));
        Path cacheDir = Path.of(args.value("--cache-dir", NodeLayout.CACHE_DIR));
        String nodeNetns = args.value("--node-netns", null);
        NodeProbe probe = probes.apply(nodeNetns == null ? null : Netns.resolve(nodeNetns));

        List<Finding> findings = new ArrayList<>();
        findings.addAll(NodeChecks.check(probe, cacheDir));
        findings.addAll(ConfigChecks.check(confDir, bin));
        findings.addAll(RuntimeChecks.check(probe, confDir));
        findings.addAll(ReservationChecks.check(dataDir, cacheDir));
        print(findings, args.flag("--json"));
        return findings.isEmpty() ? 0 : 1;
    }

    private void print(List<Finding> findings, boolean json) {
        if (json) {
            out.println(PrettyJson.write(Map.of(
                    "ok",
                    findings.isEmpty(),
                    "findings",
                    findings.stream().map(f -> (Object) f.toJson()).toList())));
            return;
        }
        for (Finding f : findings) {
            out.printf("%-7s %s%n        fix: %s%n", f.severity(), f.problem(), f.remedy());
        }
        out.println(findings.isEmpty() ? "no problems found" : findings.size() + " problem(s) found");
    }
}
