package dev.cni4j.plugins.hostlocal;

import dev.cni4j.json.JsonObject;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.node.PodCidrFile;
import dev.cni4j.plugins.hostlocal.kube.KubernetesNodeSource;
import dev.cni4j.skel.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the node's pod CIDR(s) come from for {@code "subnet": "usePodCidr"}. Consulted only by
 * ADD and STATUS, never by DEL, CHECK or GC, so that releasing IPs works whatever the node's
 * state.
 *
 * <p>The default reads the file kept by the cni4j node agent ({@link #file}) and, when that
 * file does not exist, the Node object from the Kubernetes API ({@link KubernetesNodeSource}),
 * asked once and kept beside the agent's file ({@link PodCidrCache});
 * another source plugs in through {@link Factory} given to {@link HostLocal#HostLocal(Factory)}.
 */
public interface PodCidrSource {
    /**
     * The node's pod CIDRs (IPv4 and/or IPv6) in the node's order.
     *
     * @throws dev.cni4j.spec.CniException code 11 (try again later) when they are not known yet
     */
    List<IpPrefix> podCidrs();

    /**
     * Chooses the source for one invocation. Called only when a range asks for the pod CIDR; the
     * whole request is given because the API fallback reads top-level keys ({@code nodename},
     * {@code kubernetes}) and the environment.
     */
    @FunctionalInterface
    interface Factory {
        PodCidrSource forRequest(Request request, JsonObject ipam);
    }

    /** Only the node agent's file, at {@code ipam.podCidrFile} or {@link NodeLayout#POD_CIDR_FILE}. */
    static Factory nodeAgentFile() {
        return (request, ipam) -> file(podCidrFile(ipam));
    }

    /**
     * The node agent's pod CIDR file ({@link PodCidrFile}). Missing, empty or malformed means the
     * agent has not (fully) written it yet: code 11, so the runtime retries.
     */
    static PodCidrSource file(Path file) {
        return () -> {
            List<IpPrefix> cidrs;
            try {
                cidrs = new PodCidrFile(file).read().cidrs();
            } catch (NoSuchFileException e) {
                throw HostLocalErrors.podCidrNotReady("usePodCidr: the node's pod CIDR file " + file
                        + " does not exist; the cni4j node agent has not written it yet");
            } catch (IOException e) {
                throw HostLocalErrors.podCidrNotReady(
                        "usePodCidr: cannot read the node's pod CIDR file " + file + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw HostLocalErrors.podCidrNotReady("usePodCidr: " + e.getMessage() + " in " + file);
            }
            if (cidrs.isEmpty()) {
                throw HostLocalErrors.podCidrNotReady("usePodCidr: the node's pod CIDR file " + file
                        + " lists no CIDR; the cni4j node agent has not written it yet");
            }
            return cidrs;
        };
    }

    /**
     * The executable's default: the node agent's file when it exists, otherwise the Node object
     * from the Kubernetes API, through the kubeconfig at {@code kubernetes.kubeconfig}, kept in
     * {@code <podCidrFile>.d/<node>} so that a burst of ADDs asks once.
     */
    static Factory nodeAgentFileOrApi() {
        return (request, ipam) -> {
            Path file = podCidrFile(ipam);
            // exists() rather than a read that fails: a present but unreadable or half-written
            // file is the agent's business (code 11), not a reason to ask the API.
            return Files.exists(file) ? file(file) : PodCidrCache.of(file, KubernetesNodeSource.of(request, file));
        };
    }

    private static Path podCidrFile(JsonObject ipam) {
        return IpamConfig.absolutePath("podCidrFile", ipam.string("podCidrFile", NodeLayout.POD_CIDR_FILE));
    }
}
