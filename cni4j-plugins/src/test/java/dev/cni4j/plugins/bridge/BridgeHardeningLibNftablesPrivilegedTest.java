package dev.cni4j.plugins.bridge;

import dev.cni4j.plugins.WithLibNftables;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link BridgeHardeningPrivilegedTest} with nft run through libnftables in-process, as in the node daemon. */
@ExtendWith(WithLibNftables.class)
class BridgeHardeningLibNftablesPrivilegedTest extends BridgeHardeningPrivilegedTest {}
