package dev.cni4j.node;

/**
 * Where things live on a node by default: the CNI conventions the reference plugins, libcni and
 * the runtimes share, and cni4j's own files under {@code /run/cni4j}. Every module's default
 * comes from here; each stays overridable where it is used (a flag, a config key, an env var).
 * The native launcher ({@code cni4j-dist/src/main/c/cni4j-launch.c}) repeats {@link #SOCKET}.
 */
public final class NodeLayout {
    private NodeLayout() {}

    /** The plugin executables ({@code CNI_PATH}'s usual value). */
    public static final String BIN_DIR = "/opt/cni/bin";

    /** The network configurations runtimes load. */
    public static final String CONF_DIR = "/etc/cni/net.d";

    /** libcni's cache dir: {@code results/<network>-<containerID>-<ifname>}. */
    public static final String CACHE_DIR = "/var/lib/cni";

    /** host-local's reservations, {@code <dataDir>/<network>/<ip>}, unless the ipam config says {@code dataDir}. */
    public static final String HOST_LOCAL_DATA_DIR = "/var/lib/cni/networks";

    /** cni4j's run-time directory (root's, 0700 where cni4j makes it). */
    public static final String RUN_DIR = "/run/cni4j";

    /** The fast path's socket, where the plugin launchers look for the daemon. */
    public static final String SOCKET = RUN_DIR + "/cni.sock";

    /** The node's pod CIDRs, written by the node agent, read by host-local for {@code usePodCidr}. */
    public static final String POD_CIDR_FILE = RUN_DIR + "/podcidr";
}
