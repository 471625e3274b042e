package dev.cni4j.agent.policy;

import static dev.cni4j.agent.policy.NetpolModel.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiObjectsTest {
    @Test
    void policyTypesDefaultLikeTheApiServer() {
        NetworkPolicy onlyIngress = policy("x", "p", labels());
        onlyIngress.getSpec().setPolicyTypes(null);
        PolicyInfo p = ApiObjects.policy(onlyIngress);
        assertTrue(p.ingress());
        assertFalse(p.egress());
        onlyIngress.getSpec().setEgress(List.of(to(null)));
        p = ApiObjects.policy(onlyIngress);
        assertTrue(p.ingress() && p.egress());
        PolicyInfo explicit = ApiObjects.policy(egress(policy("x", "e", labels())));
        assertFalse(explicit.ingress());
        assertTrue(explicit.egress());
        assertTrue(explicit.egressRules().isEmpty());
    }

    @Test
    void peersAndPorts() {
        PolicyInfo p = ApiObjects.policy(ingress(
                policy("x", "p", labels("pod", "a")),
                from(
                        List.of(
                                peer(null, labels("pod", "b")),
                                peer(nsIs("y"), null),
                                block("10.1.2.3/16", "10.1.0.0/24")),
                        port(null, 80),
                        range("UDP", 1000, 2000),
                        named("SCTP", "serve-80-sctp"),
                        protocolOnly("UDP"))));
        PolicyInfo.Rule r = p.ingressRules().getFirst();
        assertEquals(
                new PolicyInfo.PodPeer(null, "x", LabelSelector.matchLabels(Map.of("pod", "b"))),
                r.peers().get(0));
        assertEquals(
                new PolicyInfo.PodPeer(
                        LabelSelector.matchLabels(Map.of(NamespaceInfo.NAME_LABEL, "y")), null, LabelSelector.ALL),
                r.peers().get(1));
        assertEquals(
                new PolicyInfo.IpBlockPeer(IpPrefix.parse("10.1.0.0/16"), List.of(IpPrefix.parse("10.1.0.0/24"))),
                r.peers().get(2));
        assertEquals(
                List.of(
                        PolicyInfo.PortSpec.range(Protocol.TCP, 80, 80),
                        PolicyInfo.PortSpec.range(Protocol.UDP, 1000, 2000),
                        PolicyInfo.PortSpec.named(Protocol.SCTP, "serve-80-sctp"),
                        PolicyInfo.PortSpec.all(Protocol.UDP)),
                r.ports());
        assertTrue(p.problems().isEmpty());
    }

    @Test
    void whatTheApiWouldRefuseLeavesTheRuleOutAndIsReported() {
        PolicyInfo p = ApiObjects.policy(ingress(
                policy("x", "p", labels()),
                from(null, named("TCP", "web")),
                from(List.of(block("not-a-cidr"))),
                from(null, range("TCP", 80, 70)),
                from(List.of(peer(null, expression("pod", "Like", "a"))))));
        assertEquals(
                List.of(0),
                p.ingressRules().stream().map(PolicyInfo.Rule::index).toList());
        assertEquals(3, p.problems().size(), p.problems().toString());
        assertTrue(
                p.problems().get(0).startsWith("ingress rule 1 left out: ipBlock cidr \"not-a-cidr\""),
                p.problems().toString());
        assertTrue(p.ingress(), "it still isolates");
    }

    @Test
    void podsAndNamespaces() {
        PodInfo p = ApiObjects.pod(new PodBuilder()
                .withNewMetadata()
                .withNamespace("x")
                .withName("a")
                .withUid("u")
                .endMetadata()
                .withNewSpec()
                .withNodeName("n")
                .withHostNetwork(true)
                .addNewContainer()
                .addNewPort()
                .withName("web")
                .withContainerPort(8080)
                .endPort()
                .addNewPort()
                .withContainerPort(0)
                .endPort()
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("10.0.0.1")
                .endStatus()
                .build());
        assertEquals(List.of(IpAddress.parse("10.0.0.1")), p.podIps(), "status.podIP when podIPs is empty");
        assertEquals(
                List.of(new PodInfo.NamedPort("web", Protocol.TCP, 8080)), p.ports(), "TCP by default, port 0 dropped");
        assertTrue(p.hostNetwork());
        assertEquals(PodInfo.Phase.RUNNING, p.phase());
        NamespaceInfo ns = ApiObjects.namespace(new NamespaceBuilder()
                .withNewMetadata()
                .withName("x")
                .endMetadata()
                .build());
        assertEquals(Map.of(NamespaceInfo.NAME_LABEL, "x"), ns.labels());
    }
}
