package dev.cni4j.agent.policy;

import static dev.cni4j.agent.policy.NetpolModel.*;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The cases of the upstream conformance suite (kubernetes test/e2e/network/netpol/network_policy.go)
 * and a few cyclonus-style ones, each a sequence of API changes and expected 9x9 reachability
 * matrices on the upstream model (namespaces x, y, z; pods a, b, c; ports 80, 81 over TCP, UDP,
 * SCTP). One definition, run by {@link NetpolConformanceTest} on the compiled model and by the
 * privileged test against the real kernel; each case is a static method taking the scenario.
 */
public final class NetpolCases {
    private static final String TCP = "TCP";
    private static final String UDP = "UDP";
    private static final String SCTP = "SCTP";

    private NetpolCases() {}

    /** A case: its name (the method's) and how to run it against a scenario. */
    public record Case(String name, Method method) {
        public void run(NetpolScenario scenario) {
            try {
                method.invoke(null, scenario);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Every case, in source order as far as reflection allows (sorted by name, so stable). */
    public static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Method m : NetpolCases.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 1
                    && m.getParameterTypes()[0] == NetpolScenario.class) {
                out.add(new Case(m.getName(), m));
            }
        }
        out.sort(Comparator.comparing(Case::name));
        return out;
    }

    public static Case byName(String name) {
        return cases().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no case " + name));
    }

    private static String[] exceptions(String first, List<String> more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(more);
        return all.toArray(String[]::new);
    }

    private static Reachability all() {
        return new Reachability(true);
    }

    // ---- TCP: "NetworkPolicy between server and client" ----

    static void defaultDenyIngress(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "deny-ingress", labels())));
        k8s.validate(80, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
    }

    static void defaultDenyAll(NetpolScenario k8s) {
        k8s.create(egress(ingress(policy("x", "deny-all", labels()))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer(null, null, "x", null, false).expectPeer("x", null, null, null, false));
    }

    static void allowFromPodsWithinServerNamespaceByPodSelector(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "x-a-allows-x-b", labels("pod", "a")), from(List.of(peer(null, labels("pod", "b"))))));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    static void allowIngressForATarget(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "deny-all", labels())));
        k8s.create(ingress(policy("x", "allow-all-to-a", labels("pod", "a")), from(List.of(peer(labels(), labels())))));
        k8s.validate(
                80, Protocol.TCP, all().expectPeer(null, null, "x", null, false).expectAllIngress("x/a", true));
    }

    static void allowFromPodsInAllNamespaces(NetpolScenario k8s) {
        k8s.create(
                ingress(policy("x", "allow-from-another-ns", labels("pod", "a")), from(List.of(peer(labels(), null)))));
        k8s.validate(80, Protocol.TCP, all());
    }

    static void allowOnlyFromADifferentNamespaceByNamespaceSelector(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)))));
        k8s.validate(
                80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
    }

    static void podSelectorWithMatchExpressions(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "x-a-allows-x-b", labels("pod", "a")),
                from(List.of(peer(null, expression("pod", "In", "b"))))));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    static void namespaceSelectorWithMatchExpressions(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-y-match-selector", labels("pod", "a")),
                from(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "In", "y"), null)))));
        k8s.validate(
                80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
    }

    static void podSelectorOrNamespaceSelector(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-y-match-selector", labels("pod", "a")),
                from(List.of(
                        peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "x"), null),
                        peer(null, labels("pod", "b"))))));
        k8s.validate(80, Protocol.TCP, all().expect("x/a", "x/a", false).expect("x/c", "x/a", false));
    }

    static void podSelectorAndNamespaceSelector(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-y-podselector-and-nsselector", labels("pod", "a")),
                from(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "x"), labels("pod", "b"))))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectAllIngress("x/a", false).expect("y/b", "x/a", true).expect("z/b", "x/a", true));
    }

    static void multiplePodSelectorsAndNamespaceSelectors(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-y-z-pod-b-c", labels("pod", "a")),
                from(List.of(
                        peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "x"), expression("pod", "In", "b", "c"))))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer("x", null, "x", "a", false)
                        .expect("y/a", "x/a", false)
                        .expect("z/a", "x/a", false));
    }

    static void anyPodSelectors(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-x-pod-b-c", labels("pod", "a")),
                from(List.of(peer(null, labels("pod", "b")), peer(null, labels("pod", "c"))))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectAllIngress("x/a", false).expect("x/b", "x/a", true).expect("x/c", "x/a", true));
    }

    static void onlyFromAPodInADifferentNamespace(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-y-pod-a-via-namespace-pod-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("y/a", "x/a", true));
    }

    static void ports(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(TCP, 81))));
        Reachability allow = all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false);
        k8s.validate(81, Protocol.TCP, allow);
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    static void stackedPoliciesWithOverlappingPodSelectors(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(TCP, 81))));
        Reachability allow = all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false);
        k8s.validate(81, Protocol.TCP, allow);
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector-80", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(TCP, 80))));
        k8s.validate(80, Protocol.TCP, allow);
        k8s.validate(81, Protocol.TCP, allow);
    }

    static void allowAll(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "allow-all", labels()), from(null)));
        k8s.validate(80, Protocol.TCP, all());
        k8s.validate(81, Protocol.TCP, all());
    }

    static void ingressOnOneNamedPort(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "allow-all", labels()), from(null, named(null, "serve-81-tcp"))));
        k8s.validate(81, Protocol.TCP, all());
        k8s.validate(80, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
    }

    static void ingressFromNamespaceOnOneNamedPort(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector-80", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), named(TCP, "serve-80-tcp"))));
        k8s.validate(
                80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
        k8s.validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    static void egressOnOneNamedPort(NetpolScenario k8s) {
        k8s.create(egress(policy("x", "allow-egress", labels()), to(null, named(null, "serve-80-tcp"))));
        k8s.validate(80, Protocol.TCP, all());
        k8s.validate(81, Protocol.TCP, all().expectPeer("x", null, null, null, false));
    }

    static void updatedPolicy(NetpolScenario k8s) {
        var p = ingress(policy("x", "allow-all-mutate-to-deny-all", labels()), from(null));
        k8s.create(p);
        k8s.validate(81, Protocol.TCP, all());
        p.getSpec().setIngress(List.of());
        k8s.create(p); // the update
        k8s.validate(81, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
    }

    static void ingressFromUpdatedNamespace(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector", labels("pod", "a")),
                from(List.of(peer(labels("ns2", "updated"), null)))));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.labelNamespace("y", "ns2", "updated");
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expectPeer("y", null, null, null, true));
    }

    static void ingressFromUpdatedPod(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-pod-selector", labels("pod", "a")),
                from(List.of(peer(null, labels("pod", "b", "pod2", "updated"))))));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.labelPod("x/b", "pod2", "updated");
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    static void denyIngressFromPodsInOtherNamespaces(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "deny-empty-policy", labels()), from(List.of(peer(null, labels())))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer("y", null, "x", null, false).expectPeer("z", null, "x", null, false));
    }

    static void denyIngressToUpdatedPod(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "deny-ingress-via-label-selector", labels("target", "isolated"))));
        k8s.validate(80, Protocol.TCP, all());
        k8s.labelPod("x/a", "target", "isolated");
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    static void denyEgressByPodSelector(NetpolScenario k8s) {
        k8s.create(egress(policy("x", "deny-egress-pod-a", labels("pod", "a"))));
        k8s.validate(80, Protocol.TCP, all().expectAllEgress("x/a", false));
    }

    static void denyEgressFromAllPodsInANamespace(NetpolScenario k8s) {
        k8s.create(egress(policy("x", "deny-egress-ns-x", labels())));
        k8s.validate(80, Protocol.TCP, all().expectPeer("x", null, null, null, false));
    }

    static void ingressAndEgressTogether(NetpolScenario k8s) {
        var p = ingress(
                policy("x", "allow-client-a-via-pod-selector", labels("pod", "a")),
                from(List.of(peer(null, labels("pod", "b")))));
        egress(p, to(null, port(null, 80)));
        k8s.create(p);
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
        k8s.validate(
                81,
                Protocol.TCP,
                all().expectAllIngress("x/a", false)
                        .expectAllEgress("x/a", false)
                        .expect("x/b", "x/a", true));
    }

    static void egressDeniedOnTheClientSideEvenIfTheServerAllowsIt(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "allow-to-ns-y-pod-a", labels("pod", "a")),
                to(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        var fromXa = from(List.of(peer(nsIs("x"), labels("pod", "a"))));
        k8s.create(ingress(policy("y", "allow-from-xa-on-ya-match-selector", labels("pod", "a")), fromXa));
        k8s.create(ingress(policy("y", "allow-from-xa-on-yb-match-selector", labels("pod", "b")), fromXa));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectAllEgress("x/a", false)
                        .expectAllIngress("y/a", false)
                        .expect("x/a", "y/a", true)
                        .expectAllIngress("y/b", false));
    }

    static void egressToAServerInADifferentNamespaceByPodAndNamespaceSelector(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "allow-to-ns-y-pod-a", labels("pod", "a")),
                to(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        k8s.validate(80, Protocol.TCP, all().expectAllEgress("x/a", false).expect("x/a", "y/a", true));
    }

    static void ingressAnyPortOnASpecificProtocol(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "allow-ingress-by-proto", labels("pod", "a")), from(null, protocolOnly(TCP))));
        k8s.validate(80, Protocol.TCP, all());
        k8s.validate(80, Protocol.UDP, all().expectAllIngress("x/a", false));
    }

    static void multipleIngressPoliciesWithAllowAllTakingPrecedence(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "allow-ingress-port-80", labels()), from(null, port(null, 80))));
        k8s.validate(81, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
        k8s.create(ingress(policy("x", "allow-ingress", labels()), from(null)));
        k8s.validate(81, Protocol.TCP, all());
    }

    static void multipleEgressPoliciesWithAllowAllTakingPrecedence(NetpolScenario k8s) {
        k8s.create(egress(policy("x", "allow-egress-port-80", labels()), to(null, port(null, 80))));
        k8s.validate(81, Protocol.TCP, all().expectPeer("x", null, null, null, false));
        k8s.create(egress(policy("x", "allow-egress", labels()), to(null)));
        k8s.validate(81, Protocol.TCP, all());
    }

    static void stopEnforcingAfterDelete(NetpolScenario k8s) {
        k8s.create(egress(ingress(policy("x", "deny-all", labels()))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer("x", null, null, null, false).expectPeer(null, null, "x", null, false));
        k8s.delete("x", "deny-all");
        k8s.validate(80, Protocol.TCP, all());
    }

    static void egressToAServerInACidrBlock(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block(k8s.ip("y/b", false) + "/32")))));
        k8s.validate(
                80, Protocol.TCP, all().expectAllEgress("x/a", false).expect("x/a", "y/b", true), NetpolScenario.V4);
    }

    static void exceptClauseOfAnEgressCidrBlock(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block("0.0.0.0/4", k8s.ip("x/b", false) + "/32")))));
        k8s.validate(80, Protocol.TCP, all().expect("x/a", "x/b", false), NetpolScenario.V4);
    }

    static void anAddressInBothCidrAndExceptIsAllowedByASecondPolicy(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block("0.0.0.0/4", k8s.ip("x/b", false) + "/32")))));
        k8s.validate(80, Protocol.TCP, all().expect("x/a", "x/b", false), NetpolScenario.V4);
        // upstream replaces the policy (same name) by one allowing x/b alone
        k8s.create(egress(
                policy("x", "allow-client-a-via-cidr-egress-rule", labels("pod", "a")),
                to(List.of(block(k8s.ip("x/b", false) + "/32")))));
        k8s.validate(
                80, Protocol.TCP, all().expectAllEgress("x/a", false).expect("x/a", "x/b", true), NetpolScenario.V4);
        // and the union of both: the except of one does not take away what the other allows
        k8s.create(egress(
                policy("x", "wide-except-b", labels("pod", "a")),
                to(List.of(block("0.0.0.0/4", k8s.ip("x/b", false) + "/32")))));
        k8s.validate(80, Protocol.TCP, all(), NetpolScenario.V4);
    }

    static void ingressAndEgressControlledIndependently(NetpolScenario k8s) {
        k8s.create(egress(policy("x", "allow-egress-for-target", labels("pod", "a")), to(null)));
        k8s.validate(80, Protocol.TCP, all());
        k8s.create(ingress(policy("x", "deny-ingress-via-label-selector", labels("pod", "a"))));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    static void sctpIsNotTreatedAsTcp(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "deny-ingress", labels())));
        k8s.create(ingress(
                policy("x", "allow-only-sctp-ingress-on-port-81", labels("pod", "a")), from(null, port(SCTP, 81))));
        k8s.validate(81, Protocol.TCP, all().expectPeer(null, null, "x", null, false));
        k8s.validate(
                81,
                Protocol.SCTP,
                all().expectPeer(null, null, "x", null, false).expectAllIngress("x/a", true));
    }

    static void anSctpOnlyPolicyStillIsolates(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-only-sctp-ingress-on-port-80", labels("pod", "a")), from(null, port(SCTP, 80))));
        k8s.validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.validate(80, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.validate(80, Protocol.SCTP, all());
    }

    static void aUdpOnlyPolicyDoesNotAllowTcp(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-only-udp-ingress-on-port-81", labels("pod", "a")), from(null, port(UDP, 81))));
        k8s.validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
        k8s.validate(81, Protocol.UDP, all());
    }

    static void namespaceSelectorMatchLabelsOnTheDefaultNamespaceLabel(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-client-a-via-ns-selector-for-immutable-ns-label", labels("pod", "a")),
                from(List.of(peer(labels(NamespaceInfo.NAME_LABEL, "y"), null)))));
        k8s.validate(
                80, Protocol.TCP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
    }

    static void namespaceSelectorMatchExpressionsOnTheDefaultNamespaceLabelForEgress(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "allow-ns-y-match-selector-for-immutable-ns-label", labels("pod", "a")),
                to(List.of(peer(expression(NamespaceInfo.NAME_LABEL, "NotIn", "y"), null)))));
        k8s.validate(80, Protocol.TCP, all().expectPeer("x", "a", "y", null, false));
    }

    // ---- UDP and SCTP contexts ----

    static void udpAndSctpDefaultDenyIngress(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "deny-all", labels())));
        k8s.validate(80, Protocol.UDP, all().expectPeer(null, null, "x", null, false));
        k8s.validate(80, Protocol.SCTP, all().expectPeer(null, null, "x", null, false));
    }

    static void udpPorts(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ingress-on-port-81-ns-x", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(UDP, 81))));
        k8s.validate(
                81, Protocol.UDP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
        k8s.validate(81, Protocol.TCP, all().expectAllIngress("x/a", false));
    }

    static void sctpPorts(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ingress-on-port-81-ns-x", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), null)), port(SCTP, 81))));
        k8s.validate(
                81, Protocol.SCTP, all().expectPeer("x", null, "x", "a", false).expectPeer("z", null, "x", "a", false));
        k8s.validate(81, Protocol.UDP, all().expectAllIngress("x/a", false));
    }

    static void udpAndSctpOnlyFromAPodInADifferentNamespace(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "allow-ns-y-pod-a-via-namespace-pod-selector", labels("pod", "a")),
                from(List.of(peer(nsIs("y"), labels("pod", "a"))))));
        k8s.validate(80, Protocol.UDP, all().expectAllIngress("x/a", false).expect("y/a", "x/a", true));
        k8s.validate(80, Protocol.SCTP, all().expectAllIngress("x/a", false).expect("y/a", "x/a", true));
    }

    // ---- beyond the upstream file: cyclonus-style cases ----

    static void endPortRange(NetpolScenario k8s) {
        k8s.create(ingress(policy("x", "allow-80-to-81", labels("pod", "a")), from(null, range(TCP, 80, 81))));
        k8s.create(ingress(policy("y", "allow-81-to-90", labels()), from(null, range(TCP, 81, 90))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectAllIngress("y/a", false)
                        .expectAllIngress("y/b", false)
                        .expectAllIngress("y/c", false));
        k8s.validate(81, Protocol.TCP, all());
        k8s.validate(81, Protocol.UDP, all().expectAllIngress("x/a", false).expectPeer(null, null, "y", null, false));
    }

    static void egressNamedPortToSelectedPeersOnly(NetpolScenario k8s) {
        k8s.create(egress(
                policy("x", "egress-81-to-y", labels("pod", "a")),
                to(List.of(peer(nsIs("y"), null)), named(UDP, "serve-81-udp"))));
        k8s.validate(81, Protocol.UDP, all().expectAllEgress("x/a", false).expectPeer("x", "a", "y", null, true));
        k8s.validate(80, Protocol.UDP, all().expectAllEgress("x/a", false));
        k8s.validate(81, Protocol.TCP, all().expectAllEgress("x/a", false));
    }

    static void ipBlockMatchesPodIpsOnIngressToo(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "from-10-244-2", labels()),
                from(k8s.namespaceCidrs("y", false).stream().map(c -> block(c)).toList())));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer("x", null, "x", null, false).expectPeer("z", null, "x", null, false),
                NetpolScenario.V4);
    }

    static void ipv6IpBlockWithExcept(NetpolScenario k8s) {
        k8s.create(ingress(
                policy("x", "from-v6", labels("pod", "a")),
                from(List.of(block(
                        "fd00:10::/32", exceptions(k8s.ip("y/c", true) + "/128", k8s.namespaceCidrs("z", true)))))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer("z", null, "x", "a", false).expect("y/c", "x/a", false),
                NetpolScenario.V6);
    }

    static void policyTypesDefaultFromTheSections(NetpolScenario k8s) {
        // no policyTypes, an egress section: Ingress and Egress (ingress with no rules denies)
        var p = policy("x", "defaulted", labels("pod", "a"));
        p.getSpec().setEgress(List.of(to(List.of(peer(nsIs("y"), null)))));
        k8s.create(p);
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectAllIngress("x/a", false)
                        .expectAllEgress("x/a", false)
                        .expectPeer("x", "a", "y", null, true));
    }

    static void namespaceLabelMatchingIsPerNamespaceNotPerPod(NetpolScenario k8s) {
        // a pod labelled like a namespace is not selected by a namespace selector
        k8s.labelPod("z/c", NamespaceInfo.NAME_LABEL, "y");
        k8s.create(ingress(policy("x", "from-y", labels()), from(List.of(peer(nsIs("y"), null)))));
        k8s.validate(
                80,
                Protocol.TCP,
                all().expectPeer("x", null, "x", null, false).expectPeer("z", null, "x", null, false));
    }
}
