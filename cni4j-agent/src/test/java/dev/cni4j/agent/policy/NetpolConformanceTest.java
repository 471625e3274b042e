package dev.cni4j.agent.policy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.cni4j.agent.policy.NetpolModel.*;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cases of the upstream conformance suite (kubernetes test/e2e/network/netpol/network_policy.go),
 * on its full model (namespaces x, y, z; pods a, b, c; ports 80, 81 over TCP, UDP, SCTP), each
 * checked as the whole 9x9 reachability matrix computed through {@link CompiledPolicy#explain}.
 * Every case runs with the pods on two nodes (egress decided by the source's node, ingress by
 * the destination's) over IPv4 and IPv6, and on one node; cases built on IPv4 ipBlocks run IPv4.
 * Each matrix is computed twice: through explain, and by running the first packet through the
 * nft tables rendered for each node the packet crosses ({@link NftSimulator}).
 * Loopback is ignored, as upstream does.
 */
class NetpolConformanceTest {
    private final NetpolModel k8s = new NetpolModel();

    private static final String TCP = "TCP";
    private static final String UDP = "UDP";
    private static final String SCTP = "SCTP";

    /** Upstream's ValidateOrFail, on both families and both placements. */
    private void validate(int port, Protocol proto, Reachability expected) {
        validate(port, proto, expected, BOTH);
    }

    private static final boolean[] BOTH = {false, true};
    private static final boolean[] V4 = {false};
    private static final boolean[] V6 = {true};

    /** {@code families}: the values of "IPv6" to probe. */
    private void validate(int port, Protocol proto, Reachability expected, boolean[] families) {
        StringBuilder failures = new StringBuilder();
        for (boolean oneNode : new boolean[]{false, true}) {
            for (boolean v6 : families) {
                k8s.oneNode = oneNode;
                for (boolean dataplane : new boolean[]{false, true}) {
                    Reachability actual = dataplane ? k8s.probeDataplane(port, proto, v6) : k8s.probe(port, proto, v6);
                    String diff = expected.differences(actual);
                    if (!diff.isEmpty()) {
                        failures.append(port).append('/').append(proto).append(v6 ? " IPv6" : " IPv4")
                                .append(oneNode ? " one node" : " two nodes").append(dataplane ? " rendered nft" : " explain")
                                .append(":\n").append(diff).append("expected:\n").append(expected).append("actual:\n").append(actual);
                    }
                }
            }
        }
        k8s.oneNode = false;
        if (!failures.isEmpty()) fail(failures.toString());
    }

    private static Reachability all() {
        return new Reachability(true);
    }

    // ---- TCP: "NetworkPolicy between server and client" ----

    @Test
    void defaultDenyIngress() {
        k8s.create(ingress(policy("x", "deny-ingress", labels())));
        validate(80, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
    }

    @Test
    void defaultDenyAll() {
        k8s.create(egress(ingress(policy("x", "deny-all", labels()))));
        validate(80, Protocol.TCP, all().expectPeer(null, null, "x", null, false).expectPeer("x", null, null, null, false));
    }

    @Test
    void allowFromPodsWithinServerNamespaceByPodSelector() {
        k8s.create(ingress(policy("x", "x-a-allows-x-b", labels("pod", "a")), from(List.of(peer(null, labels("pod", "b"))))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    @Test
    void allowIngressForATarget() {
        k8s.create(ingress(policy("x", "deny-all", labels())));
        k8s.create(ingress(policy("x", "allow-all-to-a", labels("pod", "a")), from(List.of(peer(labels(), labels())))));
        validate(80, Protocol.TCP, all().expectPeer(null, null, "x", null, false).expectAllIngress("x/a", true));
    }

    @Test
    void allowFromPodsInAllNamespaces() {
        k8s.create(ingress(policy("x", "allow-from-another-ns", labels("pod", "a")), from(List.of(peer(labels(), null)))));
        validate(80, Protocol.TCP, all());
    }

    @Test
    void allowOnlyFromADifferentNamespaceByNamespaceSelector() {
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")), from(List.of(peer(nsIs("y"), null)))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
    }

    @Test
    void podSelectorWithMatchExpressions() {
        k8s.create(ingress(policy("x", "x-a-allows-x-b", labels("pod", "a")), from(List.of(peer(null, expression("pod", "In", "b"))))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    @Test
    void namespaceSelectorWithMatchExpressions() {
        k8s.create(ingress(policy("x", "allow-ns-y-match-selector", labels("pod", "a")),
                from(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "In", "y"), null)))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
    }

    @Test
    void podSelectorOrNamespaceSelector() {
        k8s.create(ingress(policy("x", "allow-ns-y-match-selector", labels("pod", "a")),
                from(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "x"), null), peer(null, labels("pod", "b"))))));
        validate(80, Protocol.TCP, all().expect("x/a", "x/a", false).expect("x/c", "x/a", false));
    }

    @Test
    void podSelectorAndNamespaceSelector() {
        k8s.create(ingress(policy("x", "allow-ns-y-podselector-and-nsselector", labels("pod", "a")),
                from(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "x"), labels("pod", "b"))))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("y/b", "x/a", true).expect("z/b", "x/a", true));
    }

    @Test
    void multiplePodSelectorsAndNamespaceSelectors() {
        k8s.create(ingress(policy("x", "allow-ns-y-z-pod-b-c", labels("pod", "a")),
                from(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "x"), expression("pod", "In", "b", "c"))))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expect("y/a", "x/a", false).expect("z/a", "x/a", false));
    }

    @Test
    void anyPodSelectors() {
        k8s.create(ingress(policy("x", "allow-ns-x-pod-b-c", labels("pod", "a")),
                from(List.of(peer(null, labels("pod", "b")), peer(null, labels("pod", "c"))))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true).expect("x/c", "x/a", true));
    }

    @Test
    void onlyFromAPodInADifferentNamespace() {
        k8s.create(ingress(policy("x", "allow-ns-y-pod-a-via-namespace-pod-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("y/a", "x/a", true));
    }

    @Test
    void ports() {
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(TCP, 81))));
        Reachability allow = all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false);
        validate(81, Protocol.TCP, allow);
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    @Test
    void stackedPoliciesWithOverlappingPodSelectors() {
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(TCP, 81))));
        Reachability allow = all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false);
        validate(81, Protocol.TCP, allow);
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector-80", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(TCP, 80))));
        validate(80, Protocol.TCP, allow);
        validate(81, Protocol.TCP, allow);
    }

    @Test
    void allowAll() {
        k8s.create(ingress(policy("x", "allow-all", labels()), from(null)));
        validate(80, Protocol.TCP, all());
        validate(81, Protocol.TCP, all());
    }

    @Test
    void ingressOnOneNamedPort() {
        k8s.create(ingress(policy("x", "allow-all", labels()), from(null, named(null, "serve-81-tcp"))));
        validate(81, Protocol.TCP, all());
        validate(80, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
    }

    @Test
    void ingressFromNamespaceOnOneNamedPort() {
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector-80", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), named(TCP, "serve-80-tcp"))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
        validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    @Test
    void egressOnOneNamedPort() {
        k8s.create(egress(policy("x", "allow-egress", labels()), to(null, named(null, "serve-80-tcp"))));
        validate(80, Protocol.TCP, all());
        validate(81, Protocol.TCP, all().expectPeer("x", null, null, null, false));
    }

    @Test
    void updatedPolicy() {
        var p = ingress(policy("x", "allow-all-mutate-to-deny-all", labels()), from(null));
        k8s.create(p);
        validate(81, Protocol.TCP, all());
        p.getSpec().setIngress(List.of());
        validate(81, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
    }

    @Test
    void ingressFromUpdatedNamespace() {
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")), from(List.of(peer(labels("ns2", "updated"), null)))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.labelNamespace("y", "ns2", "updated");
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expectPeer("y", null, null, null, true));
    }

    @Test
    void ingressFromUpdatedPod() {
        k8s.create(ingress(policy("x", "allow-client-a-via-pod-selector", labels("pod", "a")), from(List.of(peer(null, labels("pod", "b", "pod2", "updated"))))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.labelPod("x/b", "pod2", "updated");
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    @Test
    void denyIngressFromPodsInOtherNamespaces() {
        k8s.create(ingress(policy("x", "deny-empty-policy", labels()), from(List.of(peer(null, labels())))));
        validate(80, Protocol.TCP, all().expectPeer("y", null, "x", null, false).expectPeer("z", null, "x", null, false));
    }

    @Test
    void denyIngressToUpdatedPod() {
        k8s.create(ingress(policy("x", "deny-ingress-via-label-selector", labels("target", "isolated"))));
        validate(80, Protocol.TCP, all());
        k8s.labelPod("x/a", "target", "isolated");
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    @Test
    void denyEgressByPodSelector() {
        k8s.create(egress(policy("x", "deny-egress-pod-a", labels("pod", "a"))));
        validate(80, Protocol.TCP, all().expectAllEgress("x/a", false));
    }

    @Test
    void denyEgressFromAllPodsInANamespace() {
        k8s.create(egress(policy("x", "deny-egress-ns-x", labels())));
        validate(80, Protocol.TCP, all().expectPeer("x", null, null, null, false));
    }

    @Test
    void ingressAndEgressTogether() {
        var p = ingress(policy("x", "allow-client-a-via-pod-selector", labels("pod", "a")), from(List.of(peer(null, labels("pod", "b")))));
        egress(p, to(null, port(null, 80)));
        k8s.create(p);
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
        validate(81, Protocol.TCP, all().expectAllIngress("x/a", false).expectAllEgress("x/a", false).expect("x/b", "x/a", true));
    }

    @Test
    void egressDeniedOnTheClientSideEvenIfTheServerAllowsIt() {
        k8s.create(egress(policy("x", "allow-to-ns-y-pod-a", labels("pod", "a")), to(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        var fromXa = from(List.of(peer(nsIs("x"), labels("pod", "a"))));
        k8s.create(ingress(policy("y", "allow-from-xa-on-ya-match-selector", labels("pod", "a")), fromXa));
        k8s.create(ingress(policy("y", "allow-from-xa-on-yb-match-selector", labels("pod", "b")), fromXa));
        validate(80, Protocol.TCP, all().expectAllEgress("x/a", false).expectAllIngress("y/a", false)
                .expect("x/a", "y/a", true).expectAllIngress("y/b", false));
    }

    @Test
    void egressToAServerInADifferentNamespaceByPodAndNamespaceSelector() {
        k8s.create(egress(policy("x", "allow-to-ns-y-pod-a", labels("pod", "a")), to(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        validate(80, Protocol.TCP, all().expectAllEgress("x/a", false).expect("x/a", "y/a", true));
    }

    @Test
    void ingressAnyPortOnASpecificProtocol() {
        k8s.create(ingress(policy("x", "allow-ingress-by-proto", labels("pod", "a")), from(null, protocolOnly(TCP))));
        validate(80, Protocol.TCP, all());
        validate(80, Protocol.UDP, all().expectAllIngress("x/a", false));
    }

    @Test
    void multipleIngressPoliciesWithAllowAllTakingPrecedence() {
        k8s.create(ingress(policy("x", "allow-ingress-port-80", labels()), from(null, port(null, 80))));
        validate(81, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
        k8s.create(ingress(policy("x", "allow-ingress", labels()), from(null)));
        validate(81, Protocol.TCP, all());
    }

    @Test
    void multipleEgressPoliciesWithAllowAllTakingPrecedence() {
        k8s.create(egress(policy("x", "allow-egress-port-80", labels()), to(null, port(null, 80))));
        validate(81, Protocol.TCP, all().expectPeer("x", null, null, null, false));
        k8s.create(egress(policy("x", "allow-egress", labels()), to(null)));
        validate(81, Protocol.TCP, all());
    }

    @Test
    void stopEnforcingAfterDelete() {
        k8s.create(egress(ingress(policy("x", "deny-all", labels()))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, null, null, false).expectPeer(null, null, "x", null, false));
        k8s.delete("x", "deny-all");
        validate(80, Protocol.TCP, all());
    }

    @Test
    void egressToAServerInACidrBlock() {
        k8s.create(egress(policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block(ip("y/b", false) + "/32")))));
        validate(80, Protocol.TCP, all().expectAllEgress("x/a", false).expect("x/a", "y/b", true), V4);
    }

    @Test
    void exceptClauseOfAnEgressCidrBlock() {
        k8s.create(egress(policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block("0.0.0.0/4", ip("x/b", false) + "/32")))));
        validate(80, Protocol.TCP, all().expect("x/a", "x/b", false), V4);
    }

    @Test
    void anAddressInBothCidrAndExceptIsAllowedByASecondPolicy() {
        k8s.create(egress(policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block("0.0.0.0/4", ip("x/b", false) + "/32")))));
        validate(80, Protocol.TCP, all().expect("x/a", "x/b", false), V4);
        // upstream replaces the policy (same name) by one allowing x/b alone
        k8s.create(egress(policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block(ip("x/b", false) + "/32")))));
        validate(80, Protocol.TCP, all().expectAllEgress("x/a", false).expect("x/a", "x/b", true), V4);
        // and the union of both: the except of one does not take away what the other allows
        k8s.create(egress(policy("x", "wide-except-b", labels("pod", "a")), to(List.of(block("0.0.0.0/4", ip("x/b", false) + "/32")))));
        validate(80, Protocol.TCP, all(), V4);
    }

    @Test
    void ingressAndEgressControlledIndependently() {
        k8s.create(egress(policy("x", "allow-egress-for-target", labels("pod", "a")), to(null)));
        validate(80, Protocol.TCP, all());
        k8s.create(ingress(policy("x", "deny-ingress-via-label-selector", labels("pod", "a"))));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    @Test
    void sctpIsNotTreatedAsTcp() {
        k8s.create(ingress(policy("x", "deny-ingress", labels())));
        k8s.create(ingress(policy("x", "allow-only-sctp-ingress-on-port-81", labels("pod", "a")), from(null, port(SCTP, 81))));
        validate(81, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
        validate(81, Protocol.SCTP, all().expectPeer(null, null, "x", null, false).expectAllIngress("x/a", true));
    }

    @Test
    void anSctpOnlyPolicyStillIsolates() {
        k8s.create(ingress(policy("x", "allow-only-sctp-ingress-on-port-80", labels("pod", "a")), from(null, port(SCTP, 80))));
        validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        validate(80, Protocol.SCTP, all());
    }

    @Test
    void aUdpOnlyPolicyDoesNotAllowTcp() {
        k8s.create(ingress(policy("x", "allow-only-udp-ingress-on-port-81", labels("pod", "a")), from(null, port(UDP, 81))));
        validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
        validate(81, Protocol.UDP, all());
    }

    @Test
    void namespaceSelectorMatchLabelsOnTheDefaultNamespaceLabel() {
        k8s.create(ingress(policy("x", "allow-client-a-via-ns-selector-for-immutable-ns-label", labels("pod", "a")),
                from(List.of(peer(labels(NamespaceInfo.NAME_LABEL, "y"), null)))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
    }

    @Test
    void namespaceSelectorMatchExpressionsOnTheDefaultNamespaceLabelForEgress() {
        k8s.create(egress(policy("x", "allow-ns-y-match-selector-for-immutable-ns-label", labels("pod", "a")),
                to(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "y"), null)))));
        validate(80, Protocol.TCP, all().expectPeer("x", "a", "y", null, false));
    }

    // ---- UDP and SCTP contexts ----

    @Test
    void udpAndSctpDefaultDenyIngress() {
        k8s.create(ingress(policy("x", "deny-all", labels())));
        validate(80, Protocol.UDP, all().expectPeer(null, null, "x", null, false));
        validate(80, Protocol.SCTP, all().expectPeer(null, null, "x", null, false));
    }

    @Test
    void udpPorts() {
        k8s.create(ingress(policy("x", "allow-ingress-on-port-81-ns-x", labels("pod", "a")), from(List.of(peer(nsIs("y"), null)), port(UDP, 81))));
        validate(81, Protocol.UDP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
        validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    @Test
    void sctpPorts() {
        k8s.create(ingress(policy("x", "allow-ingress-on-port-81-ns-x", labels("pod", "a")), from(List.of(peer(nsIs("y"), null)), port(SCTP, 81))));
        validate(81, Protocol.SCTP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
        validate(81, Protocol.UDP, all().expectAllIngress("x/a", false));
    }

    @Test
    void udpAndSctpOnlyFromAPodInADifferentNamespace() {
        k8s.create(ingress(policy("x", "allow-ns-y-pod-a-via-namespace-pod-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        validate(80, Protocol.UDP, all().expectAllIngress("x/a", false).expect("y/a", "x/a", true));
        validate(80, Protocol.SCTP, all().expectAllIngress("x/a", false).expect("y/a", "x/a", true));
    }

    // ---- beyond the upstream file: cyclonus-style cases ----

    @Test
    void endPortRange() {
        k8s.create(ingress(policy("x", "allow-80-to-81", labels("pod", "a")), from(null, range(TCP, 80, 81))));
        k8s.create(ingress(policy("y", "allow-81-to-90", labels()), from(null, range(TCP, 81, 90))));
        validate(80, Protocol.TCP, all().expectAllIngress("y/a", false).expectAllIngress("y/b", false).expectAllIngress("y/c", false));
        validate(81, Protocol.TCP, all());
        validate(81, Protocol.UDP, all().expectAllIngress("x/a", false).expectPeer(null, null, "y", null, false));
    }

    @Test
    void egressNamedPortToSelectedPeersOnly() {
        k8s.create(egress(policy("x", "egress-81-to-y", labels("pod", "a")), to(List.of(peer(nsIs("y"), null)), named(UDP, "serve-81-udp"))));
        validate(81, Protocol.UDP, all().expectAllEgress("x/a", false).expectPeer("x", "a", "y", null, true));
        validate(80, Protocol.UDP, all().expectAllEgress("x/a", false));
        validate(81, Protocol.TCP, all().expectAllEgress("x/a", false));
    }

    @Test
    void ipBlockMatchesPodIpsOnIngressToo() {
        k8s.create(ingress(policy("x", "from-10-244-2", labels()), from(List.of(block("10.244.2.0/24")))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", null, false).expectPeer("z", null, "x", null, false), V4);
    }

    @Test
    void ipv6IpBlockWithExcept() {
        k8s.create(ingress(policy("x", "from-v6", labels("pod", "a")),
                from(List.of(block("fd00:10::/32", ip("y/c", true) + "/128", "fd00:10:3::/48")))));
        validate(80, Protocol.TCP, all().expectPeer("z", null, "x", "a", false).expect("y/c", "x/a", false), V6);
    }

    @Test
    void policyTypesDefaultFromTheSections() {
        // no policyTypes, an egress section: Ingress and Egress (ingress with no rules denies)
        var p = policy("x", "defaulted", labels("pod", "a"));
        p.getSpec().setEgress(List.of(to(List.of(peer(nsIs("y"), null)))));
        k8s.create(p);
        validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expectAllEgress("x/a", false).expectPeer("x", "a", "y", null, true));
    }

    @Test
    void namespaceLabelMatchingIsPerNamespaceNotPerPod() {
        // a pod labelled like a namespace is not selected by a namespace selector
        k8s.labelPod("z/c", NamespaceInfo.NAME_LABEL, "y");
        k8s.create(ingress(policy("x", "from-y", labels()), from(List.of(peer(nsIs("y"), null)))));
        validate(80, Protocol.TCP, all().expectPeer("x", null, "x", null, false).expectPeer("z", null, "x", null, false));
    }
}
