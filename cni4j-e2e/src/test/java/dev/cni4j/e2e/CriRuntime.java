package dev.cni4j.e2e;

import dev.cni4j.e2e.cri.Cri;
import dev.cni4j.e2e.cri.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A CRI {@code runtime.v1} client over a Unix socket, calling the RuntimeService as kubelet
 * does to make, inspect and remove a pod's sandbox (our subset of the CRI proto,
 * {@code src/test/proto/cri_runtime_v1.proto}). Each call has a deadline, so a hung runtime fails
 * the test instead of hanging it.
 */
final class CriRuntime implements AutoCloseable {
    /** A hostPort of the pod: {@code hostPort} on the node to {@code containerPort} in the pod. */
    record HostPort(int hostPort, int containerPort) {}

    /** netty warns once per channel that a Unix socket has no SO_KEEPALIVE (gRPC asks for it everywhere). */
    private static final Logger NETTY_BOOTSTRAP = Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    static {
        NETTY_BOOTSTRAP.setLevel(Level.SEVERE);
    }

    private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub stub;
    private final String cgroupParent;

    /**
     * A client of the runtime on {@code socket}; pods get {@code cgroupParent} (cgroupfs syntax), as kubelet's pod
     * cgroups.
     */
    CriRuntime(Path socket, String cgroupParent) {
        this.cgroupParent = cgroupParent;
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .build();
        stub = RuntimeServiceGrpc.newBlockingStub(channel);
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub call() {
        return stub.withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    Cri.VersionResponse version() {
        return stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .version(Cri.VersionRequest.newBuilder().setVersion("v1").build());
    }

    /** The runtime's conditions by type (RuntimeReady, NetworkReady), as kubelet reads them for the node's Ready. */
    Map<String, Cri.RuntimeCondition> conditions() {
        Map<String, Cri.RuntimeCondition> byType = new java.util.TreeMap<>();
        for (Cri.RuntimeCondition c : call().status(Cri.StatusRequest.getDefaultInstance())
                .getStatus()
                .getConditionsList()) {
            byType.put(c.getType(), c);
        }
        return byType;
    }

    /** RunPodSandbox for pod {@code name} in namespace "default", as kubelet sends it; returns the sandbox id. */
    String runPodSandbox(String name, List<HostPort> hostPorts, Map<String, String> annotations) {
        Cri.PodSandboxConfig.Builder config = Cri.PodSandboxConfig.newBuilder()
                .setMetadata(Cri.PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("default")
                        .setUid("uid-" + name)
                        .setAttempt(0))
                .setHostname(name)
                .putLabels("io.kubernetes.pod.name", name)
                .putLabels("io.kubernetes.pod.namespace", "default")
                .putAllAnnotations(annotations)
                .setLinux(Cri.LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(cgroupParent)
                        .setSecurityContext(Cri.LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(Cri.NamespaceOption.newBuilder()
                                        .setNetwork(Cri.NamespaceMode.POD)
                                        .setPid(Cri.NamespaceMode.CONTAINER)
                                        .setIpc(Cri.NamespaceMode.POD))));
        for (HostPort p : hostPorts) {
            config.addPortMappings(Cri.PortMapping.newBuilder()
                    .setProtocol(Cri.Protocol.TCP)
                    .setContainerPort(p.containerPort())
                    .setHostPort(p.hostPort()));
        }
        return call().runPodSandbox(
                        Cri.RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    /** PodSandboxStatus, verbose: {@code info} holds the runtime's JSON (with the sandbox's pid). */
    Cri.PodSandboxStatusResponse status(String id) {
        return call().podSandboxStatus(Cri.PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(id)
                .setVerbose(true)
                .build());
    }

    void stopPodSandbox(String id) {
        call().stopPodSandbox(Cri.StopPodSandboxRequest.newBuilder()
                .setPodSandboxId(id)
                .build());
    }

    void removePodSandbox(String id) {
        call().removePodSandbox(Cri.RemovePodSandboxRequest.newBuilder()
                .setPodSandboxId(id)
                .build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
