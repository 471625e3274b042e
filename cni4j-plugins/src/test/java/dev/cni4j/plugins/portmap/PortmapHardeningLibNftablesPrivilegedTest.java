package dev.cni4j.plugins.portmap;

import dev.cni4j.plugins.WithLibNftables;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link PortmapHardeningPrivilegedTest} with nft run through libnftables in-process, as in the node daemon. */
@ExtendWith(WithLibNftables.class)
class PortmapHardeningLibNftablesPrivilegedTest extends PortmapHardeningPrivilegedTest {}
