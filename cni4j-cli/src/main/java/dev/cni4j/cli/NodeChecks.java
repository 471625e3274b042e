package dev.cni4j.cli;

import dev.cni4j.json.JsonObject;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.runtime.CachedAttachment;
import dev.cni4j.runtime.ResultCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel part of {@code doctor}: forwarding and bridge netfilter (Kubernetes needs both:
 * without {@code bridge-nf-call-iptables} kube-proxy never sees bridged pod-to-service traffic),
 * and host-side links that no cached attachment accounts for: veths without a master (their
 * bridge or pod went away without a DEL) and the bandwidth plugin's {@code bwp*} ifb devices.
 */
final class NodeChecks {
    private NodeChecks() {}

    static List<Finding> check(NodeProbe probe, Path cacheDir) {
        List<Finding> findings = new ArrayList<>();
        if (!"1".equals(probe.sysctl("net/ipv4/ip_forward").orElse("0"))) {
            findings.add(Finding.error(
                    "net.ipv4.ip_forward is not 1: pod traffic is not routed off the node",
                    "sysctl -w net.ipv4.ip_forward=1 and persist it in /etc/sysctl.d/"));
        }
        Optional<String> bridgeNf = probe.sysctl("net/bridge/bridge-nf-call-iptables");
        if (!probe.moduleLoaded("br_netfilter") && bridgeNf.isEmpty()) {
            findings.add(Finding.error(
                    "br_netfilter is not loaded: iptables (kube-proxy, portmap) does not see " + "bridged pod traffic",
                    "modprobe br_netfilter and add it to /etc/modules-load.d/"));
        } else if (!"1".equals(bridgeNf.orElse("0"))) {
            findings.add(Finding.error(
                    "net.bridge.bridge-nf-call-iptables is not 1: Services do not work for "
                            + "pods on the same bridge",
                    "sysctl -w net.bridge.bridge-nf-call-iptables=1 and persist it in " + "/etc/sysctl.d/"));
        }
        Set<String> known = cachedInterfaceNames(cacheDir);
        for (Link link : probe.links()) {
            if (known.contains(link.name())) {
                continue;
            }
            if ("veth".equals(link.kind()) && link.masterIndex() == 0) {
                findings.add(Finding.warning(
                        "veth " + link.name() + " has no master and no cached attachment "
                                + "names it (left over by a pod torn down without DEL?)",
                        "if no other network plugin " + "(ptp, Calico, ...) owns it: ip link delete " + link.name()));
            } else if ("ifb".equals(link.kind()) && link.name().startsWith("bwp")) {
                findings.add(Finding.warning(
                        "ifb " + link.name() + " of the bandwidth plugin belongs to no cached "
                                + "attachment (its pod is gone)",
                        "ip link delete " + link.name()));
            }
        }
        return findings;
    }

    /** Interface names in every cached ADD result, whatever network or runtime wrote it. */
    static Set<String> cachedInterfaceNames(Path cacheDir) {
        Set<String> names = new HashSet<>();
        for (CachedAttachment a : new ResultCache(cacheDir).entries()) {
            JsonObject result = a.result();
            if (result != null && result.objects("interfaces") != null) {
                result.objects("interfaces").forEach(i -> names.add(i.string("name", "")));
            }
        }
        return names;
    }
}
