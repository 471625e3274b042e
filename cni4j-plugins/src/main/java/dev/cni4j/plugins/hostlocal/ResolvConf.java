package dev.cni4j.plugins.hostlocal;

import dev.cni4j.spec.Result.Dns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a host {@code resolv.conf} into result DNS settings, as the reference does:
 * {@code nameserver} (one each), {@code domain} (the last wins), {@code search} and
 * {@code options} (all words); lines starting with {@code #} or {@code ;} and lines of fewer
 * than two words are ignored.
 */
public final class ResolvConf {
    private ResolvConf() {}

    public static Dns read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw HostLocalErrors.config("cannot read resolvConf " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw HostLocalErrors.config("cannot read resolvConf " + file + ": permission denied");
        } catch (IOException e) {
            // The reason alone (the JDK's text), never an exception class name.
            String reason =
                    e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
            throw HostLocalErrors.config("cannot read resolvConf " + file + ": " + reason);
        }
        return parse(lines);
    }

    public static Dns parse(List<String> lines) {
        List<String> nameservers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        List<String> options = new ArrayList<>();
        String domain = null;
        for (String line : lines) {
            String s = line.strip();
            if (s.isEmpty() || s.charAt(0) == '#' || s.charAt(0) == ';') {
                continue;
            }
            List<String> words = words(s);
            if (words.size() < 2) {
                continue;
            }
            switch (words.getFirst()) {
                case "nameserver" -> nameservers.add(words.get(1));
                case "domain" -> domain = words.get(1);
                case "search" -> search.addAll(words.subList(1, words.size()));
                case "options" -> options.addAll(words.subList(1, words.size()));
                default -> {}
            }
        }
        return new Dns(nameservers, domain, search, options);
    }

    // Splits on whitespace like Go's strings.Fields, without a regex.
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }
}
