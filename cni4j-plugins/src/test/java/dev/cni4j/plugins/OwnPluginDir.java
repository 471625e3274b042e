package dev.cni4j.plugins;

import dev.cni4j.skel.Delegate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A CNI_PATH dir whose executables are stand-ins for our launchers (they carry the launcher
 * marker), so a delegating plugin runs our IPAM plugin in-process, exactly as it does when
 * dist/bin is the CNI bin dir. Running one of them directly fails loudly.
 */
public final class OwnPluginDir {
    private OwnPluginDir() {}

    public static Path create(Path dir, String... types) {
        try {
            for (String type : types) {
                Path p = dir.resolve(type);
                Files.writeString(
                        p,
                        "#!/bin/sh\n" + Delegate.LAUNCHER_MARKER + " stand-in for tests\necho stand-in >&2\nexit 1\n");
                p.toFile().setExecutable(true);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
