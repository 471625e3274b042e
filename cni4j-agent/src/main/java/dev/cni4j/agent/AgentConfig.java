package dev.cni4j.agent;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.agent.route.VxlanBackend;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.spec.CniVersion;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's settings, from a properties file and/or environment variables (the environment
 * wins; {@code clusterCidr} is read from {@code CNI4J_CLUSTER_CIDR}, {@code clusterCidrV6} from
 * {@code CNI4J_CLUSTER_CIDR_V6}, the node name from {@code NODE_NAME}). Invalid values do not throw: they are
 * collected in {@link #problems} so the agent can start its health endpoint and report them instead of crash-looping.
 *
 * @param nodeName          this node's Node name
 * @param backend           "vxlan" (default) or "host-gw"
 * @param confDir           CNI conf dir the conflist goes to
 * @param binDir            CNI bin dir the plugins are installed to
 * @param conflistName      file name of the conflist
 * @param conflistFile      a conflist to install instead of the default one
 *                          ({@code CniInstaller.defaultConflist}), or null
 * @param conflistCniVersion the cniVersion of the conflist the agent writes, or null (unset: the
 *                          default conflist says {@link dev.cni4j.node.DefaultConflist#CNI_VERSION}, a conflistFile
 *                          keeps its own); set, it also replaces a conflistFile's. One of
 *                          {@link #CONFLIST_CNI_VERSIONS}: containerd before 2.0 reads at most 1.0.0
 * @param networkName       network name of the default conflist (and host-local's data dir)
 * @param clusterCidr       all IPv4 pod addresses; traffic leaving it is masqueraded
 * @param clusterCidrV6     all IPv6 pod addresses of a dual-stack cluster, or null (unset): IPv6 pod
 *                          CIDRs outside it get no routes, IPv6 traffic leaving it is masqueraded
 * @param podCidrFile       where host-local's usePodCidr reads the node's pod CIDRs
 * @param vtepDevice        VXLAN device name
 * @param vni               VXLAN network identifier
 * @param vxlanPort         VXLAN UDP port (8472 as flannel and the kernel default)
 * @param underlayInterface interface carrying node-to-node traffic, or null (the one holding the InternalIP)
 * @param publicIp          underlay address to use and publish, or null
 * @param healthAddress     "host:port" of /healthz, /readyz, /metrics
 * @param resyncSeconds     full reconcile and informer resync period
 * @param watchSilenceSeconds restart the Node watch (re-list) when the API server has sent
 *                          nothing, no event and no bookmark, for this long (default 150: a
 *                          server sends a bookmark about every minute)
 * @param firewall          "auto", "nftables", "iptables" or "none" (no masquerade)
 * @param hostLocalDataDir  host-local's data dir, read for the IPAM metric (and named in the default conflist)
 * @param netns             node network namespace to program, null for the agent's own (production)
 * @param fastPathSocket    where the agent serves the plugins' calls (the dist/bin launchers' fast
 *                          path, /run/cni4j/cni.sock), null ("off", the default) for none
 * @param fastPathOtherMountNamespaces serve launchers in other mount namespaces (the agent in a
 *                          container, with the node's CNI paths mounted at the same places)
 * @param networkPolicy     "on": enforce Kubernetes NetworkPolicy on this node
 *                          ({@link dev.cni4j.agent.policy.PolicyController})
 *                          and write {@code "policy": {"type": "k8s"}} into the default conflist; "off" (default)
 * @param networkPolicyCutEstablished {@code networkPolicyEstablished}: "keep" (default, false): connections
 *                          established before a policy change keep flowing; "cut" (true): the conntrack entries
 *                          of connections a change denies are deleted right after it is applied
 * @param networkPolicyLogDropsPerSecond {@code networkPolicyLogDrops}: "off" (default, 0); "on" (10) or a
 *                          number N: each isolated pod's chain logs its dropped packets to the kernel log, at
 *                          most N a second, under a prefix {@code /policy/drops} resolves to the pod
 * @param problems          what is wrong with the settings; empty when valid
 */
public record AgentConfig(
        String nodeName,
        String backend,
        Path confDir,
        Path binDir,
        String conflistName,
        Path conflistFile,
        String conflistCniVersion,
        String networkName,
        IpPrefix clusterCidr,
        IpPrefix clusterCidrV6,
        Path podCidrFile,
        String vtepDevice,
        int vni,
        int vxlanPort,
        String underlayInterface,
        String publicIp,
        String healthAddress,
        int resyncSeconds,
        int watchSilenceSeconds,
        String firewall,
        Path hostLocalDataDir,
        Path netns,
        Path fastPathSocket,
        boolean fastPathOtherMountNamespaces,
        boolean networkPolicy,
        boolean networkPolicyCutEstablished,
        int networkPolicyLogDropsPerSecond,
        List<String> problems) {
    public static final List<String> BACKENDS = List.of("host-gw", "vxlan");

    /** What conflistCniVersion takes: the versions a conflist can say. */
    public static final List<String> CONFLIST_CNI_VERSIONS = CniVersion.LISTS;

    /** Reads {@code file} (if not null) and overlays the environment. */
    public static AgentConfig load(Path file, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read config " + file, e);
            }
            p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).trim()));
        }
        for (String key : KEYS) {
            String v = env.get(envName(key));
            if (v != null && !v.isBlank()) {
                values.put(key, v.trim());
            }
        }
        return of(values);
    }

    static final List<String> KEYS = List.of(
            "nodeName",
            "backend",
            "confDir",
            "binDir",
            "conflistName",
            "conflistFile",
            "conflistCniVersion",
            "networkName",
            "clusterCidr",
            "clusterCidrV6",
            "podCidrFile",
            "vtepDevice",
            "vni",
            "vxlanPort",
            "underlayInterface",
            "publicIp",
            "healthAddress",
            "resyncSeconds",
            "watchSilenceSeconds",
            "firewall",
            "hostLocalDataDir",
            "netns",
            "fastPathSocket",
            "fastPathOtherMountNamespaces",
            "networkPolicy",
            "networkPolicyEstablished",
            "networkPolicyLogDrops");

    /** The drop log rate {@code networkPolicyLogDrops=on} means. */
    static final int DEFAULT_DROP_LOG_RATE = 10;

    /** "clusterCidr" → "CNI4J_CLUSTER_CIDR"; "nodeName" → "NODE_NAME" (the downward API's usual name). */
    static String envName(String key) {
        if (key.equals("nodeName")) {
            return "NODE_NAME";
        }
        return "CNI4J_" + key.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }

    /** Builds a config from key → value (keys as in {@link #KEYS}); defaults for missing keys. */
    public static AgentConfig of(Map<String, String> v) {
        List<String> problems = new ArrayList<>();
        for (String k : v.keySet()) {
            if (!KEYS.contains(k)) {
                problems.add("unknown setting \"" + k + "\"");
            }
        }
        String node = v.get("nodeName");
        if (node == null || node.isBlank()) {
            problems.add("node name not set (NODE_NAME)");
        }
        String backend = v.getOrDefault("backend", "vxlan");
        if (!BACKENDS.contains(backend)) {
            problems.add("unknown backend \"" + backend + "\" (expected one of " + BACKENDS + ")");
        }
        IpPrefix cluster = null;
        try {
            cluster = ClusterNode.parseCidr(v.getOrDefault("clusterCidr", "10.244.0.0/16"));
        } catch (IllegalArgumentException e) {
            problems.add("clusterCidr: " + e.getMessage());
        }
        IpPrefix clusterV6 = ipv6Cidr(v.get("clusterCidrV6"), problems);
        String firewall = v.getOrDefault("firewall", "auto");
        if (!List.of("auto", "nftables", "iptables", "none").contains(firewall)) {
            problems.add("unknown firewall \"" + firewall + "\" (auto, nftables, iptables, none)");
        }
        String cniVersion = v.get("conflistCniVersion");
        if (cniVersion != null && !CONFLIST_CNI_VERSIONS.contains(cniVersion)) {
            problems.add("conflistCniVersion: \"" + cniVersion + "\" is not one of " + CONFLIST_CNI_VERSIONS);
            cniVersion = null;
        }
        String fastPath = v.getOrDefault("fastPathSocket", "off");
        if (!fastPath.equals("off") && !fastPath.startsWith("/")) {
            problems.add("fastPathSocket: \"" + fastPath + "\" is not an absolute path or \"off\"");
        }
        String otherMounts = v.getOrDefault("fastPathOtherMountNamespaces", "false");
        if (!List.of("true", "false").contains(otherMounts)) {
            problems.add("fastPathOtherMountNamespaces: \"" + otherMounts + "\" is not true or false");
        }
        String policy = v.getOrDefault("networkPolicy", "off");
        if (!List.of("on", "off").contains(policy)) {
            problems.add("networkPolicy: \"" + policy + "\" is not on or off");
        }
        String established = v.getOrDefault("networkPolicyEstablished", "keep");
        if (!List.of("keep", "cut").contains(established)) {
            problems.add("networkPolicyEstablished: \"" + established + "\" is not keep or cut");
        }
        int logDrops = dropLogRate(v.getOrDefault("networkPolicyLogDrops", "off"), problems);
        return new AgentConfig(
                node,
                backend,
                Path.of(v.getOrDefault("confDir", NodeLayout.CONF_DIR)),
                Path.of(v.getOrDefault("binDir", NodeLayout.BIN_DIR)),
                v.getOrDefault("conflistName", "10-cni4j.conflist"),
                v.containsKey("conflistFile") ? Path.of(v.get("conflistFile")) : null,
                cniVersion,
                v.getOrDefault("networkName", "cni4j"),
                cluster,
                clusterV6,
                Path.of(v.getOrDefault("podCidrFile", NodeLayout.POD_CIDR_FILE)),
                v.getOrDefault("vtepDevice", "cni4j.1"),
                number(v, "vni", 1, problems),
                number(v, "vxlanPort", 8472, problems),
                v.get("underlayInterface"),
                v.get("publicIp"),
                v.getOrDefault("healthAddress", "0.0.0.0:9876"),
                number(v, "resyncSeconds", 30, problems),
                number(v, "watchSilenceSeconds", 150, problems),
                firewall,
                Path.of(v.getOrDefault("hostLocalDataDir", NodeLayout.HOST_LOCAL_DATA_DIR)),
                v.containsKey("netns") ? Path.of(v.get("netns")) : null,
                fastPath.equals("off") ? null : Path.of(fastPath),
                otherMounts.equals("true"),
                policy.equals("on"),
                established.equals("cut"),
                logDrops,
                List.copyOf(problems));
    }

    /** "off" 0, "on" {@value #DEFAULT_DROP_LOG_RATE}, or a number 1..10000 (per second). */
    private static int dropLogRate(String text, List<String> problems) {
        if (text.equals("off")) {
            return 0;
        }
        if (text.equals("on")) {
            return DEFAULT_DROP_LOG_RATE;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= 10_000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add("networkPolicyLogDrops: \"" + text + "\" is not on, off or a rate 1..10000 (per second)");
        return 0;
    }

    /** An optional IPv6 CIDR setting (null when unset); anything else is a problem. */
    private static IpPrefix ipv6Cidr(String text, List<String> problems) {
        if (text == null) {
            return null;
        }
        try {
            IpPrefix c = ClusterNode.parseCidr(text);
            if (!c.isIPv4()) {
                return c;
            }
            problems.add("clusterCidrV6: \"" + text + "\" is not an IPv6 CIDR");
        } catch (IllegalArgumentException e) {
            problems.add("clusterCidrV6: " + e.getMessage());
        }
        return null;
    }

    private static int number(Map<String, String> v, String key, int dflt, List<String> problems) {
        String s = v.get(key);
        if (s == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(s);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(key + ": \"" + s + "\" is not a positive number");
        return dflt;
    }

    /** The VXLAN backend's part of the settings. */
    public VxlanBackend.Options vxlan() {
        return new VxlanBackend.Options(vtepDevice, vni, vxlanPort, underlayInterface, publicIp);
    }

    public boolean valid() {
        return problems.isEmpty();
    }
}
