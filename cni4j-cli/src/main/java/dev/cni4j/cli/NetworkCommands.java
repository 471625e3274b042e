package dev.cni4j.cli;

import dev.cni4j.json.JsonObject;
import dev.cni4j.json.PrettyJson;
import dev.cni4j.linux.NetNs;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.runtime.CachedAttachment;
import dev.cni4j.runtime.ChainFailedException;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.ConfigDirectory;
import dev.cni4j.runtime.GcAttachment;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.PluginLocator;
import dev.cni4j.runtime.ProcessPluginExec;
import dev.cni4j.runtime.ResultCache;
import dev.cni4j.runtime.RuntimeConf;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code add}, {@code del}, {@code check}, {@code status} and {@code gc}: run a network of the
 * conf dir the way a container runtime does, through {@link CniRuntime} (same result cache, so
 * {@code cni4j del} can tear down what containerd added and the reverse).
 */
final class NetworkCommands {
    static final String ADD_USAGE = """
            usage: cni4j add|del|check NETWORK NETNS [options]

            Runs network NETWORK of the conf dir for the namespace NETNS (a path, or a name
            under /run/netns). add prints the result JSON; a failed add is undone with del.

              --conf-dir DIR          network configs (default /etc/cni/net.d)
              --bin-dir DIR[:DIR]     plugin dirs (default $CNI_PATH, else /opt/cni/bin)
              --cache-dir DIR         result cache (default /var/lib/cni)
              --container-id ID       default: cni4j- and a hash of the netns path
              --ifname NAME           interface in the namespace (default eth0)
              -p, --publish [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp|sctp]
                                      port mapping (capability portMappings), repeatable
              --annotation KEY=VALUE  pod annotation, repeatable; kubernetes.io/ingress-bandwidth
                                      and egress-bandwidth become the bandwidth capability
              --args K=V;K=V          CNI_ARGS (default $CNI_ARGS)
              --runtime-config JSON   more capability arguments, e.g. '{"mac":"c2:11:22:33:44:55"}'
            """;
    static final String STATUS_USAGE = """
            usage: cni4j status NETWORK [--conf-dir DIR] [--bin-dir DIR] [--json]

            Asks every plugin of NETWORK whether it can add containers (CNI STATUS, lists >= 1.1.0).
            Exit status 0 when ready.
            """;
    static final String GC_USAGE = """
            usage: cni4j gc NETWORK [--valid CONTAINERID:IFNAME ...] [--conf-dir DIR] [--bin-dir DIR]
                               [--cache-dir DIR] [--json]

            Deletes the cached attachments of NETWORK that are not valid, then sends CNI GC to its
            plugins. Without --valid, the valid attachments are the cached ones whose network
            namespace still exists.
            """;

    private static final String[] COMMON = {"--conf-dir=", "--bin-dir=", "--cache-dir=", "--json"};

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    NetworkCommands(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    int attachment(String command, List<String> argv) {
        String[] declared = concat(COMMON, AttachmentOptions.DECLARED);
        Args args = Args.parse(argv, declared);
        if (args.help()) {
            out.print(ADD_USAGE);
            return 0;
        }
        List<String> pos = args.expect(command, "NETWORK", "NETNS");
        // Mistakes in the command line first, then what the node has; nothing runs until all is checked.
        Path netns = Netns.resolve(pos.get(1));
        RuntimeConf rt = AttachmentOptions.runtimeConf(args, netns, env, command.equals("add"));
        NetworkConfigList network = network(args, pos.get(0));
        if (!command.equals("del")) {
            requireNetns(netns); // DEL must work when the namespace is already gone
        }
        CniRuntime runtime = runtime(args);
        switch (command) {
            case "add" -> {
                return add(runtime, network, rt);
            }
            case "del" -> runtime.del(network, rt);
            case "check" -> runtime.check(network, withCachedArgs(runtime, network, rt));
            default -> throw new IllegalArgumentException(command);
        }
        return 0;
    }

    /**
     * Prints the result, or fails. A failed ADD is undone with DEL (a runtime must DEL after a
     * failed ADD; doing it here leaves nothing half made); when the undo fails too, the ADD's
     * error comes first and each of the undo's problems on a line after it.
     */
    private int add(CniRuntime runtime, NetworkConfigList network, RuntimeConf rt) {
        // A second ADD of the same attachment would leak the first one's resources (host-local
        // refuses it anyway); say so before any plugin runs.
        if (Files.exists(runtime.cache().file(network.name(), rt.containerId(), rt.ifName()))) {
            throw CliException.failed(rt.containerId() + " " + rt.ifName() + " is already attached to network "
                    + network.name() + "; run cni4j del first");
        }
        JsonObject result;
        try {
            result = runtime.add(network, rt);
        } catch (CniException e) {
            try {
                runtime.del(network, rt);
            } catch (CniException undo) {
                err.println("cni4j: " + Cli.describe(e));
                List<? extends CniException> problems =
                        undo instanceof ChainFailedException chain ? chain.failures() : List.of(undo);
                for (CniException problem : problems) {
                    err.println("cni4j: undoing the failed add: " + Cli.describe(problem));
                }
                return 1;
            }
            throw e;
        }
        out.println(PrettyJson.write(result));
        return 0;
    }

    /**
     * CHECK must see the parameters of the ADD; what the user does not repeat (ports, bandwidth,
     * CNI_ARGS) comes from the cache, as the runtime does for DEL. A runtime never CHECKs what it
     * did not ADD, so neither does the CLI.
     */
    private static RuntimeConf withCachedArgs(CniRuntime runtime, NetworkConfigList network, RuntimeConf rt) {
        CachedAttachment cached = runtime.cache()
                .load(network.name(), rt.containerId(), rt.ifName())
                .orElseThrow(() -> CliException.failed(rt.containerId() + " " + rt.ifName()
                        + " is not attached to network " + network.name() + " (nothing cached in "
                        + runtime.cache()
                                .file(network.name(), rt.containerId(), rt.ifName())
                                .getParent() + ")"));
        Map<String, Object> caps = new java.util.LinkedHashMap<>(cached.capabilityArgs());
        caps.putAll(rt.capabilityArgs());
        return new RuntimeConf(
                rt.containerId(),
                rt.netns(),
                rt.ifName(),
                rt.cniArgs().isEmpty() ? cached.cniArgs() : rt.cniArgs(),
                caps);
    }

    int status(List<String> argv) {
        Args args = Args.parse(argv, COMMON);
        if (args.help()) {
            out.print(STATUS_USAGE);
            return 0;
        }
        NetworkConfigList network =
                network(args, args.expect("status", "NETWORK").get(0));
        try {
            runtime(args).status(network);
        } catch (CniException e) {
            if (!args.flag("--json")) {
                throw e;
            }
            out.println(PrettyJson.write(
                    Map.of("network", network.name(), "ready", false, "code", (long) e.code(), "msg", e.getMessage())));
            return 1;
        }
        // Below 1.1.0 no plugin is asked (libcni skips STATUS too); say so rather than claim readiness.
        boolean asked = CniVersion.atLeast(network.cniVersion(), CniVersion.V1_1_0);
        out.println(
                args.flag("--json")
                        ? PrettyJson.write(Map.of("network", network.name(), "ready", true, "checked", asked))
                        : "network " + network.name() + " is ready"
                                + (asked
                                        ? ""
                                        : " (not checked: STATUS needs cniVersion 1.1.0, the config has "
                                                + network.cniVersion() + ")"));
        return 0;
    }

    int gc(List<String> argv) {
        Args args = Args.parse(argv, concat(COMMON, "--valid="));
        if (args.help()) {
            out.print(GC_USAGE);
            return 0;
        }
        String name = args.expect("gc", "NETWORK").get(0);
        Set<GcAttachment> given = parseValid(args.values("--valid"));
        NetworkConfigList network = network(args, name);
        CniRuntime runtime = runtime(args);
        List<CachedAttachment> cached = runtime.cache().attachments(network.name());
        Set<GcAttachment> valid = given.isEmpty() ? liveAttachments(cached) : given;
        List<Object> stale = new ArrayList<>();
        for (CachedAttachment a : cached) {
            if (!valid.contains(new GcAttachment(a.containerId(), a.ifName()))) {
                stale.add(Map.of("containerID", a.containerId(), "ifname", a.ifName()));
            }
        }
        runtime.gc(network, valid);
        if (args.flag("--json")) {
            out.println(PrettyJson.write(Map.of("network", network.name(), "deleted", stale)));
        } else {
            for (Object s : stale) {
                Map<?, ?> m = (Map<?, ?>) s;
                out.println("deleted stale attachment " + m.get("containerID") + " " + m.get("ifname"));
            }
        }
        return 0;
    }

    private static Set<GcAttachment> liveAttachments(List<CachedAttachment> cached) {
        Set<GcAttachment> live = new LinkedHashSet<>();
        for (CachedAttachment a : cached) {
            if (!a.netns().isEmpty() && Files.exists(Path.of(a.netns()))) {
                live.add(new GcAttachment(a.containerId(), a.ifName()));
            }
        }
        return live;
    }

    static Set<GcAttachment> parseValid(List<String> values) {
        Set<GcAttachment> valid = new LinkedHashSet<>();
        for (String v : values) {
            String[] parts = v.split(":", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw CliException.usage("invalid --valid \"" + v + "\": expected CONTAINERID:IFNAME");
            }
            valid.add(new GcAttachment(parts[0], parts[1]));
        }
        return valid;
    }

    private static NetworkConfigList network(Args args, String name) {
        Path dir = Path.of(args.value("--conf-dir", NodeLayout.CONF_DIR));
        ConfigDirectory configs = ConfigDirectory.load(dir);
        return configs.byName(name)
                .orElseThrow(() -> CliException.failed("no network named \"" + name + "\" in "
                        + dir
                        + (configs.problems().isEmpty()
                                ? ""
                                : " (" + configs.problems().size()
                                        + " config file(s) could not be loaded; see cni4j doctor)")));
    }

    private static void requireNetns(Path netns) {
        if (!Files.exists(netns)) {
            throw CliException.failed("network namespace " + netns + " does not exist");
        }
        NetNs.open(netns).close(); // fails clearly when the path is not a network namespace
    }

    private CniRuntime runtime(Args args) {
        String binDirs = String.join(":", args.values("--bin-dir"));
        if (binDirs.isEmpty()) {
            binDirs = env.getOrDefault("CNI_PATH", NodeLayout.BIN_DIR);
        }
        Path cacheDir = Path.of(args.value("--cache-dir", NodeLayout.CACHE_DIR));
        ProcessPluginExec exec =
                new ProcessPluginExec(Duration.ofMinutes(5), (plugin, bytes) -> err.write(bytes, 0, bytes.length));
        return new CniRuntime(PluginLocator.parsePath(binDirs), exec, new ResultCache(cacheDir));
    }

    static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
