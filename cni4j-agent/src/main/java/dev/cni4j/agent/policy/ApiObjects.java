package dev.cni4j.agent.policy;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The edge between fabric8's API objects and our records: everything past here works on
 * {@link PolicyInfo}, {@link NamespaceInfo} and {@link PodInfo}. Never throws on what the API
 * could hand us: a part of a policy we cannot take over becomes a problem, and its rule is left
 * out (it allows nothing; the policy still isolates), so bad input never opens traffic.
 */
final class ApiObjects {
    private ApiObjects() {}

    /** The informers' caches as one snapshot for {@link PolicyCompiler#compile}. */
    public static ClusterSnapshot snapshot(
            java.util.Collection<NetworkPolicy> policies,
            java.util.Collection<Namespace> namespaces,
            java.util.Collection<Pod> pods) {
        return new ClusterSnapshot(
                policies.stream().map(ApiObjects::policy).toList(),
                namespaces.stream().map(ApiObjects::namespace).toList(),
                pods.stream().map(ApiObjects::pod).toList());
    }

    public static NamespaceInfo namespace(Namespace ns) {
        String name = ns.getMetadata().getName();
        Map<String, String> labels = ns.getMetadata().getLabels() == null
                ? Map.of()
                : ns.getMetadata().getLabels();
        if (!labels.containsKey(NamespaceInfo.NAME_LABEL)) {
            // the API server sets it on every namespace; an object without it (a test, an old server) gets it here
            labels = new java.util.HashMap<>(labels);
            labels.put(NamespaceInfo.NAME_LABEL, name);
        }
        return new NamespaceInfo(name, labels);
    }

    /** A pod; unparsable IPs and ports are skipped (they cannot match anything). */
    public static PodInfo pod(Pod pod) {
        var meta = pod.getMetadata();
        var spec = pod.getSpec();
        var status = pod.getStatus();
        List<IpAddress> ips = new ArrayList<>();
        if (status != null && status.getPodIPs() != null && !status.getPodIPs().isEmpty()) {
            for (PodIP ip : status.getPodIPs()) {
                addIp(ips, ip.getIp());
            }
        } else if (status != null) {
            addIp(ips, status.getPodIP());
        }
        List<PodInfo.NamedPort> ports = new ArrayList<>();
        if (spec != null && spec.getContainers() != null) {
            for (Container c : spec.getContainers()) {
                if (c.getPorts() == null) {
                    continue;
                }
                for (ContainerPort p : c.getPorts()) {
                    Protocol proto = Protocol.fromApi(p.getProtocol());
                    Integer n = p.getContainerPort();
                    if (proto != null && n != null && n >= 1 && n <= 65535) {
                        ports.add(new PodInfo.NamedPort(p.getName(), proto, n));
                    }
                }
            }
        }
        return new PodInfo(
                meta.getUid(),
                meta.getNamespace(),
                meta.getName(),
                spec == null ? null : spec.getNodeName(),
                meta.getLabels() == null ? Map.of() : meta.getLabels(),
                spec != null && Boolean.TRUE.equals(spec.getHostNetwork()),
                PodInfo.Phase.fromApi(status == null ? null : status.getPhase()),
                ips,
                ports);
    }

    private static void addIp(List<IpAddress> ips, String text) {
        IpAddress a = IpAddress.tryParse(text);
        if (a != null && !ips.contains(a)) {
            ips.add(a);
        }
    }

    /**
     * A policy, with the API's defaulting of policyTypes (Ingress always, Egress when there is an
     * egress section) when the object has none.
     */
    public static PolicyInfo policy(NetworkPolicy np) {
        PolicyRef ref =
                new PolicyRef(np.getMetadata().getNamespace(), np.getMetadata().getName());
        NetworkPolicySpec spec = np.getSpec() == null ? new NetworkPolicySpec() : np.getSpec();
        List<String> problems = new ArrayList<>();
        LabelSelector target = selector(spec.getPodSelector(), "podSelector", problems);
        boolean ingress;
        boolean egress;
        List<String> types = spec.getPolicyTypes();
        if (types == null || types.isEmpty()) {
            ingress = true;
            egress = spec.getEgress() != null && !spec.getEgress().isEmpty();
        } else {
            ingress = types.contains("Ingress");
            egress = types.contains("Egress");
            for (String t : types) {
                if (!t.equals("Ingress") && !t.equals("Egress")) {
                    problems.add("unknown policyType \"" + t + "\"");
                }
            }
        }
        if (target == null) {
            // the API refuses such a selector; should one come, the policy is reported and applies to no pod
            problems.add("the policy applies to no pod here");
            return new PolicyInfo(ref, LabelSelector.ALL, false, false, List.of(), List.of(), problems);
        }
        List<PolicyInfo.Rule> in = new ArrayList<>();
        List<NetworkPolicyIngressRule> ingressRules = spec.getIngress() == null ? List.of() : spec.getIngress();
        for (int i = 0; i < ingressRules.size(); i++) {
            NetworkPolicyIngressRule r = ingressRules.get(i);
            PolicyInfo.Rule rule = rule(ref, i, "ingress", r.getFrom(), r.getPorts(), problems);
            if (rule != null) {
                in.add(rule);
            }
        }
        List<PolicyInfo.Rule> out = new ArrayList<>();
        List<NetworkPolicyEgressRule> egressRules = spec.getEgress() == null ? List.of() : spec.getEgress();
        for (int i = 0; i < egressRules.size(); i++) {
            NetworkPolicyEgressRule r = egressRules.get(i);
            PolicyInfo.Rule rule = rule(ref, i, "egress", r.getTo(), r.getPorts(), problems);
            if (rule != null) {
                out.add(rule);
            }
        }
        return new PolicyInfo(ref, target, ingress, egress, in, out, problems);
    }

    private static PolicyInfo.Rule rule(
            PolicyRef ref,
            int index,
            String dir,
            List<NetworkPolicyPeer> peers,
            List<NetworkPolicyPort> ports,
            List<String> problems) {
        String where = dir + " rule " + index;
        List<String> mine = new ArrayList<>();
        List<PolicyInfo.Peer> ps = new ArrayList<>();
        for (NetworkPolicyPeer p : peers == null ? List.<NetworkPolicyPeer>of() : peers) {
            PolicyInfo.Peer peer = peer(ref, p, mine);
            if (peer != null) {
                ps.add(peer);
            }
        }
        List<PolicyInfo.PortSpec> specs = new ArrayList<>();
        for (NetworkPolicyPort p : ports == null ? List.<NetworkPolicyPort>of() : ports) {
            PolicyInfo.PortSpec s = port(p, mine);
            if (s != null) {
                specs.add(s);
            }
        }
        if (!mine.isEmpty()) {
            // leaving out one peer or port could widen the rule (an empty list means "all"): the whole rule goes
            for (String m : mine) {
                problems.add(where + " left out: " + m);
            }
            return null;
        }
        return new PolicyInfo.Rule(index, ps, List.copyOf(new LinkedHashSet<>(specs)));
    }

    private static PolicyInfo.Peer peer(PolicyRef ref, NetworkPolicyPeer p, List<String> problems) {
        IPBlock block = p.getIpBlock();
        if (block != null) {
            if (p.getPodSelector() != null || p.getNamespaceSelector() != null) {
                problems.add("a peer has ipBlock and a selector");
                return null;
            }
            IpPrefix cidr = IpPrefix.tryParse(block.getCidr());
            if (cidr == null) {
                problems.add("ipBlock cidr \"" + block.getCidr() + "\" is not a CIDR");
                return null;
            }
            List<IpPrefix> except = new ArrayList<>();
            for (String e : block.getExcept() == null ? List.<String>of() : block.getExcept()) {
                IpPrefix x = IpPrefix.tryParse(e);
                if (x == null) {
                    problems.add("ipBlock except \"" + e + "\" is not a CIDR");
                    return null;
                }
                except.add(x);
            }
            return new PolicyInfo.IpBlockPeer(cidr, except);
        }
        if (p.getPodSelector() == null && p.getNamespaceSelector() == null) {
            problems.add("a peer with neither ipBlock nor selectors");
            return null;
        }
        LabelSelector pods =
                p.getPodSelector() == null ? LabelSelector.ALL : selector(p.getPodSelector(), "podSelector", problems);
        if (pods == null) {
            return null;
        }
        if (p.getNamespaceSelector() == null) {
            return new PolicyInfo.PodPeer(null, ref.namespace(), pods);
        }
        LabelSelector nss = selector(p.getNamespaceSelector(), "namespaceSelector", problems);
        return nss == null ? null : new PolicyInfo.PodPeer(nss, null, pods);
    }

    private static PolicyInfo.PortSpec port(NetworkPolicyPort p, List<String> problems) {
        Protocol proto = Protocol.fromApi(p.getProtocol());
        if (proto == null) {
            problems.add("protocol \"" + p.getProtocol() + "\" is not TCP, UDP or SCTP");
            return null;
        }
        IntOrString port = p.getPort();
        if (port == null || port.getIntVal() == null && port.getStrVal() == null) {
            if (p.getEndPort() != null) {
                problems.add("endPort without port");
                return null;
            }
            return PolicyInfo.PortSpec.all(proto);
        }
        if (port.getStrVal() != null) {
            if (p.getEndPort() != null) {
                problems.add("endPort with the named port \"" + port.getStrVal() + "\"");
                return null;
            }
            if (port.getStrVal().isEmpty()) {
                problems.add("an empty port name");
                return null;
            }
            return PolicyInfo.PortSpec.named(proto, port.getStrVal());
        }
        int from = port.getIntVal();
        int to = p.getEndPort() == null ? from : p.getEndPort();
        if (from < 1 || from > 65535 || to < from || to > 65535) {
            problems.add("port " + from + (p.getEndPort() == null ? "" : "-" + to) + " is out of range");
            return null;
        }
        return PolicyInfo.PortSpec.range(proto, from, to);
    }

    /** Null when the selector is one the API would have refused (reported in {@code problems}). */
    static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector s, String what, List<String> problems) {
        if (s == null) {
            return LabelSelector.ALL;
        }
        List<LabelSelector.Requirement> reqs = new ArrayList<>();
        for (LabelSelectorRequirement r :
                s.getMatchExpressions() == null ? List.<LabelSelectorRequirement>of() : s.getMatchExpressions()) {
            LabelSelector.Operator op = switch (String.valueOf(r.getOperator())) {
                case "In" -> LabelSelector.Operator.IN;
                case "NotIn" -> LabelSelector.Operator.NOT_IN;
                case "Exists" -> LabelSelector.Operator.EXISTS;
                case "DoesNotExist" -> LabelSelector.Operator.DOES_NOT_EXIST;
                default -> null;
            };
            if (op == null) {
                problems.add(what + ": unknown operator \"" + r.getOperator() + "\"");
                return null;
            }
            try {
                reqs.add(new LabelSelector.Requirement(
                        r.getKey(), op, new TreeSet<>(r.getValues() == null ? List.of() : r.getValues())));
            } catch (IllegalArgumentException e) {
                problems.add(what + ": " + e.getMessage());
                return null;
            }
        }
        return LabelSelector.of(s.getMatchLabels() == null ? Map.of() : s.getMatchLabels(), reqs);
    }
}
