package dev.cni4j.plugins;

import dev.cni4j.linux.firewall.Nft;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with nft through libnftables in-process ({@link Nft#useLibrary}), as the node
 * daemon does. The contexts are freed after each test: their sockets would keep its throwaway
 * namespaces alive.
 */
public final class WithLibNftables implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private long runsBefore;

    @Override
    public void beforeAll(ExtensionContext context) {
        Nft.useLibrary(true);
        runsBefore = Nft.libraryRuns();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Nft.closeContexts();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Nft.useLibrary(false);
        Nft.closeContexts();
        if (Nft.libraryRuns() == runsBefore) {
            throw new AssertionError(context.getDisplayName() + ": no nft script ran through libnftables");
        }
    }
}
