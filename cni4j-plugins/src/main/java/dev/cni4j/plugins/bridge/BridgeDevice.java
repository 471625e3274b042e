package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Bridge;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.PrintStream;

/**
 * The node-side bridge: created when missing (a concurrent creator's EEXIST is fine), checked to
 * be a bridge, brought up, and set to pass bridged traffic through iptables
 * ({@code bridge-nf-call-iptables}), which kube-proxy needs to see pod-to-service traffic.
 */
final class BridgeDevice {
    static final String NF_CALL_IPTABLES = "net/bridge/bridge-nf-call-iptables";
    static final String NF_CALL_IP6TABLES = "net/bridge/bridge-nf-call-ip6tables";

    private BridgeDevice() {}

    static Link ensure(Rtnl host, BridgeConfig cfg, PrintStream log) {
        Link br = host.links().get(cfg.bridge()).orElse(null);
        boolean changed = br == null;
        if (br == null) {
            try {
                // Per-bridge nf_call_iptables works even where the global sysctl is off.
                host.links()
                        .create(new Bridge(
                                cfg.bridge(),
                                cfg.mtu(),
                                null,
                                cfg.hasVlans() ? Boolean.TRUE : null,
                                Boolean.TRUE,
                                Boolean.TRUE));
            } catch (LinuxException e) {
                if (e.errno() != LinuxException.EEXIST) {
                    throw new CniException(
                            ErrorCode.INTERNAL.code(),
                            "failed to create bridge \"" + cfg.bridge() + "\": " + e.getMessage(),
                            null,
                            e);
                }
            }
            br = host.links().require(cfg.bridge());
            // Pin the MAC: otherwise the bridge takes the lowest port MAC and changes as pods come and go.
            host.links().setMac(br.index(), br.mac());
        }
        if (!"bridge".equals(br.kind())) {
            throw new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG,
                    "\"" + cfg.bridge() + "\" already exists but is not a bridge",
                    "it is a " + br.kind() + " link");
        }
        if (cfg.promiscMode() && !br.isPromiscuous()) {
            host.links().setPromiscuous(br.index(), true);
            changed = true;
        }
        if (!br.isUp()) {
            host.links().setUp(br.index());
            changed = true;
        }
        ensureNfCall(host, br, log);
        // an existing bridge that was already right (every ADD but the first) needs no re-read
        return changed ? host.links().require(cfg.bridge()) : br;
    }

    /**
     * Turns on bridge-nf-call-iptables for this bridge and, where br_netfilter is there, the
     * namespace-wide sysctl. Failure is logged, not fatal: pods still get networking, and STATUS
     * reports it.
     */
    private static void ensureNfCall(Rtnl host, Link br, PrintStream log) {
        try {
            host.links().setBridgeNfCall(br.index(), true, true);
        } catch (LinuxException e) {
            log.println("bridge: could not set nf_call_iptables on " + br.name() + ": " + e.getMessage());
        }
        for (String key : new String[] {NF_CALL_IPTABLES, NF_CALL_IP6TABLES}) {
            try {
                if (!"1".equals(Sysctl.get(key))) {
                    Sysctl.set(key, "1");
                }
            } catch (RuntimeException e) {
                log.println("bridge: could not set " + key + ": " + e.getMessage());
            }
        }
    }

    /** Why bridged traffic would bypass iptables here, or null when it will not. */
    static String nfCallProblem(Rtnl host, String bridge) {
        try {
            String global = Sysctl.get(NF_CALL_IPTABLES);
            if ("1".equals(global)) {
                return null;
            }
            return host.links()
                    .get(bridge)
                    .map(
                            br -> host.links().bridgeNfCallIptables(br.index())
                                    ? null
                                    : NF_CALL_IPTABLES + " is " + global + " and bridge " + bridge
                                            + " has nf_call_iptables off: "
                                            + "kube-proxy will not see pod-to-service traffic; run an ADD or set the sysctl to 1")
                    .orElse(null);
        } catch (RuntimeException e) {
            return "br_netfilter is not available (" + e.getMessage() + "): load the br_netfilter module so that "
                    + "kube-proxy sees bridged pod traffic";
        }
    }
}
