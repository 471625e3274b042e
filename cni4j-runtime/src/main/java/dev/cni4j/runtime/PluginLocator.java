package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * libcni's FindInPath: the first regular file named {@code type} in the {@code CNI_PATH}
 * directories, in order. The exec bit is not checked here; exec reports that.
 */
public final class PluginLocator {
    private PluginLocator() {}

    public static Path find(String type, List<Path> searchPath) {
        if (type == null || type.isEmpty()) {
            throw new CniException(ErrorCode.INTERNAL, "no plugin name provided");
        }
        if (type.indexOf('/') >= 0 || type.indexOf('\\') >= 0) {
            throw new CniException(ErrorCode.INTERNAL, "invalid plugin name: " + type);
        }
        if (searchPath == null || searchPath.isEmpty()) {
            throw new CniException(ErrorCode.INTERNAL, "no paths provided");
        }
        for (Path dir : searchPath) {
            Path candidate = dir.resolve(type);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        // Go prints a []string as [a b]; keep the text identical for people grepping logs.
        String dirs = searchPath.stream().map(Path::toString).collect(Collectors.joining(" "));
        throw new CniException(ErrorCode.INTERNAL, "failed to find plugin \"" + type + "\" in path [" + dirs + "]");
    }

    /** Splits a {@code CNI_PATH}-style string ({@code :} separated on Linux), skipping empty entries. */
    public static List<Path> parsePath(String cniPath) {
        List<Path> out = new ArrayList<>();
        if (cniPath == null) {
            return out;
        }
        for (String s : cniPath.split(File.pathSeparator)) {
            if (!s.isEmpty()) {
                out.add(Path.of(s));
            }
        }
        return out;
    }

    /** Joins directories into a {@code CNI_PATH} value. */
    public static String joinPath(List<Path> dirs) {
        return dirs.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }
}
