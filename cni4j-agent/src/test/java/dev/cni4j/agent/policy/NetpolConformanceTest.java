package dev.cni4j.agent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The cases of the upstream conformance suite ({@link NetpolCases}) on its full model, each
 * checked as the whole 9x9 reachability matrix computed through {@link CompiledPolicy#explain}.
 * Every case runs with the pods on two nodes (egress decided by the source's node, ingress by
 * the destination's) over IPv4 and IPv6, and on one node; cases built on IPv4 ipBlocks run IPv4.
 * Each matrix is computed twice: through explain, and by running the first packet through the
 * nft tables rendered for each node the packet crosses ({@link NftSimulator}).
 * Loopback is ignored, as upstream does. The privileged run of the same cases against the
 * kernel is {@code NetpolKernelConformancePrivilegedTest}.
 */
class NetpolConformanceTest {
    @TestFactory
    Stream<DynamicTest> upstreamCases() {
        return NetpolCases.cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> c.run(new NetpolModel())));
    }

    @Test
    void everyCaseIsThere() {
        assertEquals(52, NetpolCases.cases().size(), "the cases of network_policy.go and the cyclonus-style ones");
    }
}
