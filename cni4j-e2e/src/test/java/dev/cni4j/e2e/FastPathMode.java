package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class's {@link Exec} calls through the fast path: each dist/bin launcher talks to a
 * {@code cni4j-daemon} started in the caller's network namespace, with {@code CNI4J_FALLBACK=never}
 * so a call the daemon does not serve fails instead of passing standalone. Afterwards it stops
 * the daemons and checks that they served calls and logged no failure.
 */
final class FastPathMode implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        Exec.fastPath = new FastPathDaemons();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        FastPathDaemons daemons = Exec.fastPath;
        Exec.fastPath = null;
        if (daemons == null) {
            return;
        }
        try {
            if (context.getExecutionException().isPresent()) {
                return;
            }
            for (FastPathDaemons.Running r : daemons.running()) {
                String log = r.logText();
                assertTrue(r.served() > 0, "the daemon served nothing: " + log);
                assertFalse(log.contains("request failed") || log.contains("Exception"), log);
            }
        } finally {
            daemons.close();
        }
    }
}
