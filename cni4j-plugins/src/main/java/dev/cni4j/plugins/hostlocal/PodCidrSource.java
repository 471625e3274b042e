package dev.cni4j.plugins.hostlocal;

import dev.cni4j.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the node's pod CIDR(s) come from for {@code "subnet": "usePodCidr"}. Consulted only by
 * ADD and STATUS, never by DEL, CHECK or GC, so that releasing IPs works whatever the node's
 * state.
 *
 * <p>The default reads the file kept by the cni4j node agent ({@link PodCidrFile}); another
 * source (e.g. the Kubernetes Node object) plugs in through {@link Factory} given to
 * {@link HostLocal#HostLocal(Factory)}.
 */
public interface PodCidrSource {
    /** Where the node agent writes the pod CIDRs unless the ipam config says {@code podCidrFile}. */
    String DEFAULT_FILE = "/run/cni4j/podcidr";

    /**
     * The node's pod CIDRs (IPv4 and/or IPv6) in the node's order.
     *
     * @throws dev.cni4j.spec.CniException code 11 (try again later) when they are not known yet
     */
    List<IpNet> podCidrs();

    /** Chooses the source for one invocation, from the {@code ipam} section of its config. */
    @FunctionalInterface
    interface Factory {
        PodCidrSource forIpam(JsonObject ipam);
    }

    /** The default: the node agent's file, at {@code ipam.podCidrFile} or {@link #DEFAULT_FILE}. */
    static Factory nodeAgentFile() {
        return ipam -> new PodCidrFile(Path.of(ipam.string("podCidrFile", DEFAULT_FILE)));
    }
}
