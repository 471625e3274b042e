import com.sun.source.tree.LiteralTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreeScanner;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Wraps what the formatter leaves longer than 120 columns and can be wrapped without changing the program: comment
 * lines (Javadoc and block comments, `//` comments on their own line) and text-block lines (split at a space with the
 * `\<newline>` escape at a space or comma, so the string's value stays the same). Comment text is wrapped at a space;
 * the overflow joins
 * the next line when that one continues the same paragraph, else it gets a line of its own. `<pre>` blocks are left
 * alone. Every changed file is parsed again and its string literals compared with the original's; a file where they
 * differ, or that does not parse, is left untouched and reported.
 *
 * <p>Run with JDK 25: {@code java scripts/WrapLongLines.java FILE...}; prints the files it changed.
 */
public final class WrapLongLines {
    static final int MAX = 120;

    enum Kind {
        CODE,
        LINE_COMMENT,
        BLOCK_COMMENT,
        STRING,
        TEXT_BLOCK
    }

    public static void main(String[] args) throws IOException {
        if (Runtime.version().feature() < 25) {
            System.err.println("WrapLongLines: needs JDK 25 or newer, runs on " + Runtime.version());
            System.exit(2);
        }
        int changed = 0;
        boolean failed = false;
        for (String a : args) {
            Path f = Path.of(a);
            String src = Files.readString(f, StandardCharsets.UTF_8);
            String out = wrap(src);
            if (out.equals(src)) {
                continue;
            }
            try {
                if (!literals(f.toString(), src).equals(literals(f.toString(), out))) {
                    throw new IllegalStateException("a string literal would change");
                }
            } catch (RuntimeException e) {
                System.err.println("WrapLongLines: cannot handle " + f + ": " + e.getMessage());
                failed = true;
                continue;
            }
            Files.writeString(f, out, StandardCharsets.UTF_8);
            System.out.println(f);
            changed++;
        }
        System.err.println("WrapLongLines: wrapped lines in " + changed + " of " + args.length + " files");
        System.exit(failed ? 2 : 0);
    }

    /** The values of all literals of {@code src}, in order; throws if it does not parse. */
    static List<Object> literals(String name, String src) throws IOException {
        var diagnostics = new DiagnosticCollector<JavaFileObject>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + name), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return src;
            }
        };
        var task = (JavacTask) ToolProvider.getSystemJavaCompiler()
                .getTask(new StringWriter(), null, diagnostics, List.of("-proc:none"), null, List.of(file));
        var cu = task.parse().iterator().next();
        for (var d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                throw new IllegalStateException("line " + d.getLineNumber() + ": " + d.getMessage(null));
            }
        }
        List<Object> values = new ArrayList<>();
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitLiteral(LiteralTree t, Void v) {
                values.add(Objects.toString(t.getValue()));
                return null;
            }
        }.scan(cu, null);
        return values;
    }

    /** What each character of {@code src} is part of. */
    static Kind[] kinds(String src) {
        Kind[] k = new Kind[src.length()];
        int i = 0;
        while (i < src.length()) {
            int start = i;
            Kind kind;
            if (src.startsWith("//", i)) {
                kind = Kind.LINE_COMMENT;
                int eol = src.indexOf('\n', i);
                i = eol < 0 ? src.length() : eol;
            } else if (src.startsWith("/*", i)) {
                kind = Kind.BLOCK_COMMENT;
                i = src.indexOf("*/", i + 2) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                kind = Kind.TEXT_BLOCK;
                i = skipQuoted(src, i + 3, "\"\"\"");
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                kind = Kind.STRING;
                i = skipQuoted(src, i + 1, String.valueOf(src.charAt(i)));
            } else {
                kind = Kind.CODE;
                i++;
            }
            for (int j = start; j < i; j++) {
                k[j] = kind;
            }
        }
        return k;
    }

    private static int skipQuoted(String src, int i, String close) {
        while (!src.startsWith(close, i)) {
            i += src.charAt(i) == '\\' ? 2 : 1;
        }
        return i + close.length();
    }

    static String wrap(String src) {
        Kind[] kinds = kinds(src);
        List<String> lines = new ArrayList<>(List.of(src.split("\n", -1)));
        List<Kind> lineKinds = new ArrayList<>();
        List<Boolean> inPre = new ArrayList<>();
        List<Integer> textBlockIndent = new ArrayList<>();
        int offset = 0;
        boolean pre = false;
        int textBlockStart = -1;
        for (String line : lines) {
            int first = offset + indent(line);
            Kind kind = first < src.length() && first < offset + line.length() ? kinds[first] : Kind.CODE;
            // a text-block line is content if the block began on an earlier line
            if (kind == Kind.TEXT_BLOCK && (offset == 0 || kinds[offset - 1] != Kind.TEXT_BLOCK)) {
                kind = Kind.CODE;
            }
            if (kind == Kind.BLOCK_COMMENT && line.contains("<pre>")) {
                pre = true;
            }
            lineKinds.add(kind);
            inPre.add(pre || (kind == Kind.BLOCK_COMMENT && line.contains("</pre>")));
            if (line.contains("</pre>") || kind != Kind.BLOCK_COMMENT) {
                pre = false;
            }
            textBlockIndent.add(kind == Kind.TEXT_BLOCK ? textBlockIndent(src, kinds, offset) : -1);
            offset += line.length() + 1;
        }
        List<String> out = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            Kind kind = lineKinds.get(n);
            if (line.length() <= MAX || inPre.get(n)) {
                out.add(line);
                continue;
            }
            String t = line.strip();
            String ind = line.substring(0, indent(line));
            if (kind == Kind.BLOCK_COMMENT && t.startsWith("/*") && t.endsWith("*/") && !t.startsWith("/**/")) {
                // one-line comment: make it a block
                String open = t.startsWith("/**") ? "/**" : "/*";
                String body = t.substring(open.length(), t.length() - 2).strip();
                out.add(ind + open);
                out.addAll(fill(ind + " * ", body));
                out.add(ind + " */");
            } else if (kind == Kind.BLOCK_COMMENT && t.startsWith("*") && !t.startsWith("*/") && line.endsWith(t)) {
                String prefix = prefix(line, 1);
                n = overflow(lines, lineKinds, inPre, n, prefix, out, 1);
            } else if (kind == Kind.LINE_COMMENT && t.startsWith("//")) {
                String prefix = prefix(line, 2);
                n = overflow(lines, lineKinds, inPre, n, prefix, out, 2);
            } else if (kind == Kind.TEXT_BLOCK && textBlockIndent.get(n) >= 0) {
                String rest = line;
                String cont = " ".repeat(textBlockIndent.get(n));
                while (rest.length() > MAX) {
                    int cut = cutTextBlock(rest, MAX - 1, Math.max(indent(rest), cont.length()) + 1);
                    if (cut < 0 || rest.substring(0, cut).contains("\"\"\"")) {
                        break;
                    }
                    out.add(rest.substring(0, cut) + "\\");
                    rest = cont + rest.substring(cut);
                }
                out.add(rest);
            } else {
                out.add(line);
            }
        }
        return String.join("\n", out);
    }

    /**
     * Wraps comment line {@code n} (text after {@code prefix}); the overflow joins the next line if it continues the
     * paragraph with the same prefix. Returns the index of the last line consumed.
     */
    private static int overflow(
            List<String> lines,
            List<Kind> kinds,
            List<Boolean> inPre,
            int n,
            String prefix,
            List<String> out,
            int mark) {
        String text = lines.get(n).substring(prefix.length());
        while (true) {
            String line = prefix + text;
            if (line.length() <= MAX) {
                out.add(line);
                return n;
            }
            int cut = cut(line, MAX, prefix.length() + 1);
            if (cut < 0) {
                out.add(line);
                return n;
            }
            out.add(line.substring(0, cut).stripTrailing());
            String rest = line.substring(cut);
            int next = n + 1;
            if (next < lines.size()
                    && kinds.get(next) == kinds.get(n)
                    && !inPre.get(next)
                    && lines.get(next).startsWith(prefix)
                    && continues(lines.get(next).substring(prefix.length()))) {
                text = rest + " " + lines.get(next).substring(prefix.length());
                n = next;
            } else {
                text = rest;
                prefix = hanging(prefix, lines.get(n).substring(prefix.length()));
            }
        }
    }

    /** The prefix of a new line that continues a tag line: aligned with a {@code @param}'s text, else 4 spaces in. */
    private static String hanging(String prefix, String text) {
        if (!text.startsWith("@")) {
            return prefix;
        }
        var m = java.util.regex.Pattern.compile("@param\\s+\\S+\\s+").matcher(text);
        return prefix + " ".repeat(m.lookingAt() ? m.end() : 4);
    }

    /** Whether a comment line's text continues a paragraph (not blank, a tag, HTML or the end). */
    private static boolean continues(String text) {
        return !text.isBlank()
                && !Character.isWhitespace(text.charAt(0))
                && !text.startsWith("@")
                && !text.startsWith("<")
                && !text.startsWith("/")
                && !text.startsWith("-");
    }

    /** The comment prefix of {@code line}: indent, the {@code mark}-long `*` or `//`, and the spaces after it. */
    private static String prefix(String line, int mark) {
        int i = indent(line) + mark;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return line.substring(0, i);
    }

    /** The lines of {@code prefix} + words of {@code text}, each at most MAX long where a space allows. */
    private static List<String> fill(String prefix, String text) {
        List<String> out = new ArrayList<>();
        String line = prefix + text;
        while (line.length() > MAX) {
            int cut = cut(line, MAX, prefix.length() + 1);
            if (cut < 0) {
                break;
            }
            out.add(line.substring(0, cut).stripTrailing());
            line = prefix + line.substring(cut);
        }
        out.add(line);
        return out;
    }

    /** The index after the last space at or before {@code max}, not before {@code min}; -1 if none. */
    private static int cut(String line, int max, int min) {
        for (int i = Math.min(max, line.length() - 1); i >= min; i--) {
            if (line.charAt(i - 1) == ' ' && line.charAt(i) != ' ') {
                return i;
            }
        }
        return -1;
    }

    /** Like {@link #cut}, for a text-block line: after the last space or comma (JSON has few spaces). */
    private static int cutTextBlock(String line, int max, int min) {
        int cut = cut(line, max, min);
        for (int i = Math.min(max, line.length() - 1); i > Math.max(cut, min - 1); i--) {
            if (line.charAt(i - 1) == ',' && line.charAt(i) != ' ' && line.charAt(i - 2) != '\\') {
                return i;
            }
        }
        return cut;
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    /** The incidental indentation of the text block that contains the line at {@code offset}. */
    private static int textBlockIndent(String src, Kind[] kinds, int offset) {
        int start = offset;
        while (start > 0 && kinds[start - 1] == Kind.TEXT_BLOCK) {
            start--;
        }
        int end = offset;
        while (end < kinds.length && kinds[end] == Kind.TEXT_BLOCK) {
            end++;
        }
        String block = src.substring(start, end); // """...""" with the delimiters
        String[] lines = block.substring(3, block.length() - 3).split("\n", -1);
        int min = Integer.MAX_VALUE;
        for (int i = 1; i < lines.length; i++) { // line 0 is the rest of the opening line: empty
            boolean last = i == lines.length - 1;
            if (!lines[i].isBlank() || last) { // the closing delimiter's line counts even when blank
                min = Math.min(min, indent(lines[i]));
            }
        }
        return min == Integer.MAX_VALUE ? -1 : min;
    }
}
