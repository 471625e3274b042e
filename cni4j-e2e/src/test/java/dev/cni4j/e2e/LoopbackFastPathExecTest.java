package dev.cni4j.e2e;

import org.junit.jupiter.api.extension.ExtendWith;

/** {@link LoopbackExecTest} with every launcher call served by the daemon: the same results and errors. */
@ExtendWith(FastPathMode.class)
class LoopbackFastPathExecTest extends LoopbackExecTest {}
