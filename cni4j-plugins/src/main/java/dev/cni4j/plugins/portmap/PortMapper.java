package dev.cni4j.plugins.portmap;

import java.util.Set;

/**
 * A packet-filtering backend for port mappings: {@link NftablesPortMapper} or
 * {@link IptablesPortMapper}. Every method works in the calling thread's network namespace (the
 * node's) and changes the node in one transaction.
 */
interface PortMapper {
    /** Installs the mappings of {@code config} to the pod's addresses, replacing this attachment's old ones. */
    void add(PortMapConfig config, PodAddresses pod);

    /**
     * Removes everything of the attachment; the mappings in {@code config} are not needed.
     *
     * @return the UDP hostPorts that were mapped, for the conntrack flush
     */
    Set<Integer> del(PortMapConfig config);

    /** What is missing for the attachment, or null when everything is there. */
    String check(PortMapConfig config, PodAddresses pod);

    /**
     * Removes everything of network {@code config.networkName()} whose container is not in {@code validContainerIds}.
     */
    void gc(PortMapConfig config, Set<String> validContainerIds);
}
