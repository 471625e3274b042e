package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import java.util.List;

/**
 * Several plugins of a chain failed the same verb (DEL goes on through every plugin, so that one
 * broken plugin does not leave the others' resources behind). Code and details are the first
 * failure's, so a runtime handing the error on sees a plugin's own code; the message names every
 * failure; each failure is also kept whole in {@link #failures()}.
 */
public final class ChainFailedException extends CniException {
    private static final long serialVersionUID = 1L;
    private final transient List<PluginFailedException> failures; // never serialized: a CNI error travels as JSON

    ChainFailedException(List<PluginFailedException> failures) {
        super(failures.getFirst().code(), message(failures), failures.getFirst().details(), failures.getFirst());
        this.failures = List.copyOf(failures);
        failures.stream().skip(1).forEach(this::addSuppressed);
    }

    /** Every failure, in the order the plugins ran. */
    public List<PluginFailedException> failures() {
        return failures;
    }

    /** Throws nothing when {@code failures} is empty, the one failure, or all of them together. */
    static void throwIfAny(List<PluginFailedException> failures) {
        if (failures.size() == 1) {
            throw failures.getFirst();
        }
        if (!failures.isEmpty()) {
            throw new ChainFailedException(failures);
        }
    }

    private static String message(List<PluginFailedException> failures) {
        StringBuilder msg = new StringBuilder().append(failures.size()).append(" plugins failed: ");
        for (int i = 0; i < failures.size(); i++) {
            msg.append(i == 0 ? "" : "; ").append(failures.get(i));
        }
        return msg.toString();
    }
}
