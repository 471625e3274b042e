package dev.cni4j.agent;

import dev.cni4j.agent.install.CniInstaller;
import dev.cni4j.agent.policy.PolicyController;
import dev.cni4j.agent.route.EgressMasquerade;
import dev.cni4j.agent.route.RouteBackend;
import dev.cni4j.agent.serve.JsonLog;
import dev.cni4j.agent.serve.LibraryLog;
import dev.cni4j.daemon.Daemon;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Rtnl;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cni4j-agent run|install|uninstall [--config FILE] [--source DIR]}.
 * <ul>
 *   <li>{@code run}: the long-running agent (SIGTERM stops it, leaving pod networking intact);</li>
 *   <li>{@code install --source DIR}: copies the plugins into the bin dir (an init container);</li>
 *   <li>{@code uninstall}: removes the conflist, the plugins, the pod CIDR file, the masquerade
 *       rules (IPv4 and IPv6), the agent's routes, the VXLAN device and the NetworkPolicy table.</li>
 * </ul>
 * The config file may also be given as {@code CNI4J_CONFIG}; every setting can be overridden
 * by its environment variable (see {@link AgentConfig}).
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) throws InterruptedException {
        String command = args.length > 0 ? args[0] : "run";
        String configFile = option(args, "--config", System.getenv("CNI4J_CONFIG"));
        AgentConfig config = AgentConfig.load(configFile == null ? null : Path.of(configFile), System.getenv());
        JsonLog log = new JsonLog(config.nodeName());
        LibraryLog.sendTo(log); // fabric8's warnings and errors, as lines of this log
        switch (command) {
            case "run" -> run(config, log);
            case "install" -> {
                String source = option(args, "--source", "/opt/cni4j/dist");
                var written = new CniInstaller(config.binDir(), config.confDir(), config.conflistName())
                        .installPlugins(Path.of(source));
                log.info("plugins installed", "source", source, "binDir", config.binDir(), "files", written.size());
            }
            case "uninstall" -> log.info("uninstalled", "removed", uninstall(config));
            default -> {
                log.error(
                        "unknown command",
                        "command",
                        command,
                        "usage",
                        "cni4j-agent run|install|uninstall [--config FILE] [--source DIR]");
                System.exit(2);
            }
        }
    }

    private static void run(AgentConfig config, JsonLog log) throws InterruptedException {
        if (config.fastPathSocket() != null || config.networkPolicy()) {
            // nft scripts of portmap, the masquerade and network policy in-process, not a fork of nft each
            log.info("nft for the fast path", "mode", Daemon.useLibNftables());
        }
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.autoConfigure(null))
                        .withUserAgent("cni4j-agent")
                        .build())
                .build();
        Agent agent = Agent.start(config, client);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.close(); // SIGTERM: stop watching; routes, device and conflist stay for the
                            // running pods
                            client.close();
                            stopped.countDown();
                        },
                        "cni4j-agent-shutdown"));
        stopped.await();
    }

    /** Removes everything the agent and the installer put on the node; returns a summary. */
    static Map<String, Object> uninstall(AgentConfig config) {
        int files = new CniInstaller(config.binDir(), config.confDir(), config.conflistName()).uninstall();
        boolean podCidr = config.podCidrFile().toFile().delete();
        int routes;
        boolean policyTable;
        try (NetNs ns = config.netns() != null ? NetNs.open(config.netns()) : NetNs.current();
                Rtnl rtnl = Rtnl.open(ns)) {
            routes = RouteBackend.removeAll(rtnl, config.vtepDevice());
            policyTable = PolicyController.removeTable(ns); // whatever networkPolicy says now: it may have been on
            if (config.clusterCidr() != null && !config.firewall().equals("none")) {
                // the backend the agent used (iptables rules stay if nft merely works); both families'
                // rules, IPv6 ones also when clusterCidrV6 was set before and is not now
                new EgressMasquerade(
                                Agent.firewall(config.firewall(), ns), config.clusterCidr(), config.clusterCidrV6())
                        .remove();
            }
        }
        return Map.of("files", files, "podCidrFile", podCidr, "routes", routes, "policyTable", policyTable);
    }

    private static String option(String[] args, String name, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
