package dev.cni4j.runtime;

/** {@link ProcessPluginExecTest} again, every child started through the JDK's {@link ProcessBuilder}. */
class ThroughProcessBuilderTest extends ProcessPluginExecTest {
    @Override
    ProcessPluginExec configure(ProcessPluginExec exec) {
        return exec.throughProcessBuilder();
    }
}
