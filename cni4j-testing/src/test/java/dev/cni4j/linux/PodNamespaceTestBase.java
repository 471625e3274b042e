package dev.cni4j.linux;

import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The set-up of the kernel-layer tests that work inside one pod namespace: a throwaway node
 * (skipped without root), a pod namespace in it, opened, and an rtnetlink socket there; all
 * closed after each test.
 */
abstract class PodNamespaceTestBase {
    TestNetworks net;
    Path pod;
    NetNs podNs;
    Rtnl rtnl;

    @BeforeEach
    void openPod() {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
        pod = net.newPod();
        podNs = NetNs.open(pod);
        rtnl = Rtnl.open(podNs);
    }

    @AfterEach
    void closePod() {
        if (rtnl != null) {
            rtnl.close();
        }
        if (podNs != null) {
            podNs.close();
        }
        if (net != null) {
            net.close();
        }
    }
}
