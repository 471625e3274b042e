package dev.cni4j.plugins.hostlocal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Lists a data directory for assertions: "." when it exists, then every file name, sorted. */
final class StoreFiles {
    private StoreFiles() {}

    static List<String> names(Path dir) {
        List<String> out = new ArrayList<>();
        if (!Files.exists(dir)) {
            return out;
        }
        out.add(".");
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Every path under {@code root}, relative, sorted: to prove that nothing was created. */
    static List<String> tree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
