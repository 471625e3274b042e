package dev.cni4j.runtime;

import java.nio.file.Path;

/**
 * A config file that was skipped while loading a conf dir, and why. Runtimes report these
 * (CRI-O logs them; a node agent can surface them) instead of failing the whole directory.
 */
public record ConfigProblem(Path file, String reason) {
    @Override
    public String toString() {
        return file + ": " + reason;
    }
}
