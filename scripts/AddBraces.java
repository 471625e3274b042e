import com.sun.source.tree.BlockTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.DoWhileLoopTree;
import com.sun.source.tree.EmptyStatementTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.WhileLoopTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Puts braces around every body of if, else, for, while and do that is not a block, so that
 * checkstyle's NeedBraces holds; `else if` stays `else if`. Layout is left to the formatter
 * (scripts/format.sh runs spotless after this).
 *
 * <p>Positions come from the JDK's compiler tree API (parse only, no attribution), so comments,
 * strings, multi-line conditions and nested bodies are where javac says they are: `{` goes right
 * after the header's last token (the `)`, `else` or `do`), before any comment between header and
 * body; `}` goes after the body, or after a `//` comment that ends the body's last line. A file
 * whose result does not parse, or still has a bare body, is left untouched and reported.
 *
 * <p>Run with JDK 25: {@code java scripts/AddBraces.java [--check] FILE_OR_DIR...}; prints the
 * files it changed (with --check: the files it would change, exit 1 if any). Exit 2 on a file it
 * could not handle.
 */
public final class AddBraces {
    private record Edit(int start, int end, String text, int depth) {}

    public static void main(String[] args) throws IOException {
        if (Runtime.version().feature() < 25) { // an older javac rejects our sources (`_`, switch patterns)
            System.err.println("AddBraces: needs JDK 25 or newer, runs on " + Runtime.version());
            System.exit(2);
        }
        boolean check = false;
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--check")) {
                check = true;
                continue;
            }
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".java") && Files.isRegularFile(f))
                            .sorted()
                            .forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        int changed = 0;
        int braces = 0;
        boolean failed = false;
        for (Path f : files) {
            String src = Files.readString(f, StandardCharsets.UTF_8);
            String out;
            try {
                List<Edit> edits = edits(f.toString(), src);
                if (edits.isEmpty()) {
                    continue;
                }
                out = apply(src, edits);
                List<Edit> left = edits(f.toString(), out);
                if (!left.isEmpty()) {
                    throw new IllegalStateException(left.size() + " bare bodies left after the edit");
                }
                braces +=
                        (int) edits.stream().filter(e -> e.text().contains("{")).count();
            } catch (RuntimeException e) {
                System.err.println("AddBraces: cannot handle " + f + ": " + e.getMessage());
                failed = true;
                continue;
            }
            changed++;
            System.out.println(f);
            if (!check) {
                Files.writeString(f, out, StandardCharsets.UTF_8);
            }
        }
        System.err.println("AddBraces: " + changed + " of " + files.size() + " files " + (check ? "need" : "got")
                + " braces (" + braces + " bodies)");
        if (failed) {
            System.exit(2);
        }
        if (check && changed > 0) {
            System.exit(1);
        }
    }

    /** The insertions that brace every bare body of {@code src}; throws if it does not parse. */
    static List<Edit> edits(String name, String src) throws IOException {
        var compiler = ToolProvider.getSystemJavaCompiler();
        var diagnostics = new DiagnosticCollector<JavaFileObject>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + name), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return src;
            }
        };
        var task = (JavacTask)
                compiler.getTask(new StringWriter(), null, diagnostics, List.of("-proc:none"), null, List.of(file));
        CompilationUnitTree cu = task.parse().iterator().next();
        for (var d : diagnostics.getDiagnostics()) {
            if (d.getKind() == javax.tools.Diagnostic.Kind.ERROR) {
                throw new IllegalStateException("line " + d.getLineNumber() + ": " + d.getMessage(null));
            }
        }
        SourcePositions pos = com.sun.source.util.Trees.instance(task).getSourcePositions();
        List<Edit> edits = new ArrayList<>();
        new TreeScanner<Void, Integer>() {
            /** Braces {@code body} if bare; {@code from} is a position before the header's last token. */
            private void body(Tree owner, StatementTree body, long from, int depth) {
                if (body == null || body instanceof BlockTree) {
                    return;
                }
                int start = (int) pos.getStartPosition(cu, body);
                int end = (int) pos.getEndPosition(cu, body);
                if (start < 0 || end < 0) {
                    throw new IllegalStateException("no position for a body at " + pos.getStartPosition(cu, owner));
                }
                if (body instanceof EmptyStatementTree) {
                    edits.add(new Edit(start, end, "{}", depth)); // `while (x);` -> `while (x) {}`
                    return;
                }
                edits.add(new Edit(lastCodeEnd(src, (int) from, start), -1, " {", depth));
                int close = closeAt(src, end);
                edits.add(new Edit(close, -1, close == end ? "}" : "\n}", depth));
            }

            @Override
            public Void visitIf(IfTree t, Integer depth) {
                int d = depth == null ? 0 : depth;
                body(t, t.getThenStatement(), pos.getEndPosition(cu, t.getCondition()) - 1, d);
                StatementTree e = t.getElseStatement();
                if (e != null && !(e instanceof IfTree)) { // `else if` stays
                    body(t, e, pos.getEndPosition(cu, t.getThenStatement()), d);
                }
                scan(t.getCondition(), d + 1);
                scan(t.getThenStatement(), d + 1);
                // an else-if is the same chain, not a nested body: same depth
                scan(e, e instanceof IfTree ? d : d + 1);
                return null;
            }

            @Override
            public Void visitForLoop(ForLoopTree t, Integer depth) {
                int d = depth == null ? 0 : depth;
                body(t, t.getStatement(), pos.getStartPosition(cu, t), d);
                return super.visitForLoop(t, d + 1);
            }

            @Override
            public Void visitEnhancedForLoop(EnhancedForLoopTree t, Integer depth) {
                int d = depth == null ? 0 : depth;
                body(t, t.getStatement(), pos.getEndPosition(cu, t.getExpression()), d);
                return super.visitEnhancedForLoop(t, d + 1);
            }

            @Override
            public Void visitWhileLoop(WhileLoopTree t, Integer depth) {
                int d = depth == null ? 0 : depth;
                body(t, t.getStatement(), pos.getEndPosition(cu, t.getCondition()) - 1, d);
                return super.visitWhileLoop(t, d + 1);
            }

            @Override
            public Void visitDoWhileLoop(DoWhileLoopTree t, Integer depth) {
                int d = depth == null ? 0 : depth;
                body(t, t.getStatement(), pos.getStartPosition(cu, t), d);
                return super.visitDoWhileLoop(t, d + 1);
            }

            @Override
            public Void scan(Tree tree, Integer depth) {
                return super.scan(tree, depth == null ? 0 : depth + 1);
            }
        }.scan(cu, 0);
        return edits;
    }

    /** {@code src} with the edits made; at one offset the deeper body's `}` comes first. */
    static String apply(String src, List<Edit> edits) {
        List<Edit> sorted = new ArrayList<>(edits);
        // from the end backwards, so offsets stay valid; at equal offsets insert the shallower
        // one first, so that the deeper one's text ends up before it
        sorted.sort(Comparator.comparingInt(Edit::start).reversed().thenComparingInt(Edit::depth));
        StringBuilder b = new StringBuilder(src);
        for (Edit e : sorted) {
            if (e.end() >= 0) {
                b.replace(e.start(), e.end(), e.text());
            } else {
                b.insert(e.start(), e.text());
            }
        }
        return b.toString();
    }

    /**
     * Where a body ending at {@code end} gets its `}`: right there, or after a `//` comment that
     * follows on the same line (so the comment stays with the body, not after the brace).
     */
    static int closeAt(String src, int end) {
        int i = end;
        while (i < src.length() && (src.charAt(i) == ' ' || src.charAt(i) == '\t')) {
            i++;
        }
        if (src.startsWith("//", i)) {
            int eol = src.indexOf('\n', i);
            int stop = eol < 0 ? src.length() : eol;
            return stop; // the `}` goes on a line of its own
        }
        return end;
    }

    /**
     * The end of the last code token in [from, to): whitespace and comments are skipped; strings,
     * text blocks and char literals are stepped over whole.
     */
    static int lastCodeEnd(String src, int from, int to) {
        int last = -1;
        int i = from;
        while (i < to) {
            char c = src.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (src.startsWith("//", i)) {
                int eol = src.indexOf('\n', i);
                i = eol < 0 ? to : eol;
            } else if (src.startsWith("/*", i)) {
                i = src.indexOf("*/", i + 2) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                i = skipQuoted(src, i + 3, "\"\"\"");
                last = i;
            } else if (c == '"' || c == '\'') {
                i = skipQuoted(src, i + 1, String.valueOf(c));
                last = i;
            } else {
                i++;
                last = i;
            }
        }
        if (last < 0) {
            throw new IllegalStateException("no header token before offset " + to);
        }
        return last;
    }

    private static int skipQuoted(String src, int i, String close) {
        while (!src.startsWith(close, i)) {
            i += src.charAt(i) == '\\' ? 2 : 1;
        }
        return i + close.length();
    }
}
