package dev.cni4j.e2e;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link BridgeInteropExecTest} with our launchers served by the daemon, including host-local
 * called by the reference bridge and by ours: the same addresses, checks and clean-up.
 */
@ExtendWith(FastPathMode.class)
class BridgeInteropFastPathExecTest extends BridgeInteropExecTest {}
