package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.plugins.common.Killpoint;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The chained {@code portmap} plugin: forwards hostPorts of the {@code portMappings} capability to
 * the pod, with nftables ({@link NftablesPortMapper}) or iptables ({@link IptablesPortMapper}).
 * Output is prevResult unchanged. Unlike the reference, DEL removes the attachment's rules even
 * when the runtime sends no mappings (rules are found by owner), UDP conntrack entries are also
 * flushed on DEL, and GC removes rules of attachments that are no longer valid.
 */
public final class Portmap implements Plugin {
    @Override
    public String name() {
        return "portmap";
    }

    @Override
    public Result add(Request request) {
        PortMapConfig config = PortMapConfig.from(request, Portmap::nodeBackend);
        config.requireUsableForRules();
        Result prev = request.prevResult();
        if (prev == null) {
            throw CniException.invalidConfig("must be called as chained plugin");
        }
        if (config.mappings().isEmpty()) {
            return prev;
        }
        PodAddresses pod = PodAddresses.from(prev, request.ifname());
        run("failed to set up port mappings", () -> {
            mapper(config).add(config, pod);
            if (config.snat() && pod.v4() != null && !config.mappingsFor(true).isEmpty()) {
                HostTweaks.enableRouteLocalnet(pod.v4());
            }
        });
        Killpoint.reached("portmap:rules");
        HostTweaks.flushUdpConntrack(udpPorts(config), pod.v4() != null, pod.v6() != null, request.log());
        return prev;
    }

    @Override
    public void del(Request request) {
        PortMapConfig config = PortMapConfig.from(request, () -> null);
        Set<Integer> udpPorts = new HashSet<>(udpPorts(config));
        forEachBackend(
                config,
                request,
                "failed to remove port mappings",
                c -> udpPorts.addAll(mapper(c).del(c)));
        // the mapped ports also come from the rules themselves, so this works without re-sent mappings
        HostTweaks.flushUdpConntrack(udpPorts, true, true, request.log());
    }

    @Override
    public void check(Request request) {
        PortMapConfig config = PortMapConfig.from(request, Portmap::nodeBackend);
        config.requireUsableForRules();
        Result prev = request.prevResult();
        if (prev == null) {
            throw CniException.invalidConfig("Required prevResult missing");
        }
        if (config.mappings().isEmpty()) {
            return;
        }
        PodAddresses pod = PodAddresses.from(prev, request.ifname());
        String[] problem = new String[1];
        run("failed to check port mappings", () -> problem[0] = mapper(config).check(config, pod));
        if (problem[0] != null) {
            throw new CniException(ErrorCode.INTERNAL, "portmap: " + problem[0]);
        }
    }

    @Override
    public void gc(Request request) {
        PortMapConfig config = PortMapConfig.from(request, () -> null);
        Set<String> valid = new HashSet<>();
        request.validAttachments().forEach(a -> valid.add(a.containerId()));
        forEachBackend(config, request, "portmap gc failed", c -> mapper(c).gc(c, valid));
    }

    /**
     * Cleans up with the configured backend; or, when the config leaves it to the node, with the
     * node's and then (best effort) the other one, so rules made before the node's default changed,
     * or by the reference portmap (which defaults to iptables), do not leak.
     */
    private static void forEachBackend(
            PortMapConfig config, Request request, String what, Consumer<PortMapConfig> work) {
        if (config.backend() != null) {
            run(what, () -> work.accept(config));
            return;
        }
        String first = nodeBackend();
        run(what, () -> work.accept(config.withBackend(first)));
        String second = first.equals(PortMapConfig.NFTABLES) ? PortMapConfig.IPTABLES : PortMapConfig.NFTABLES;
        try {
            run(what, () -> work.accept(config.withBackend(second)));
        } catch (CniException | UnsupportedOperationException e) {
            request.log().println("portmap: " + second + " cleanup skipped: " + e.getMessage());
        }
    }

    private static Set<Integer> udpPorts(PortMapConfig config) {
        Set<Integer> ports = new HashSet<>();
        config.mappings().stream().filter(m -> m.protocol().equals("udp")).forEach(m -> ports.add(m.hostPort()));
        return ports;
    }

    static PortMapper mapper(PortMapConfig config) {
        return config.backend().equals(PortMapConfig.NFTABLES) ? new NftablesPortMapper() : new IptablesPortMapper();
    }

    /** nftables when {@code nft} works on this node, else iptables. */
    static String nodeBackend() {
        try {
            return FirewallBackend.detect(null).name().equals("nftables")
                    ? PortMapConfig.NFTABLES
                    : PortMapConfig.IPTABLES;
        } catch (UnsupportedOperationException e) {
            throw new CniException(ErrorCode.INTERNAL, "portmap: " + e.getMessage());
        }
    }

    private static void run(String what, Runnable step) {
        try {
            step.run();
        } catch (FirewallException e) {
            // one sentence: the tool's complaint and the input line it names, not the whole script
            String chain = e.missingChain();
            String hint = chain != null && chain.startsWith("KUBE-")
                    ? "; kube-proxy (iptables mode) creates " + chain
                            + ": start it first, or leave out externalSetMarkChain"
                    : "";
            throw new CniException(ErrorCode.INTERNAL.code(), "portmap: " + what + ": " + e.summary() + hint, null, e);
        } catch (LinuxException | IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CniException(ErrorCode.INTERNAL.code(), "portmap: " + what + ": " + e.getMessage(), null, e);
        }
    }
}
