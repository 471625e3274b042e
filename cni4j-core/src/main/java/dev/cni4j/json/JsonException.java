package dev.cni4j.json;

/**
 * Malformed JSON text; {@link #offset()} is where the parser stopped (a char index), the message
 * names it as line and column (both from 1) so a person can find it in the file.
 */
public final class JsonException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int offset;
    private final int line;
    private final int column;

    /** {@code what} went wrong at char {@code offset} of {@code text}. */
    public JsonException(String what, String text, int offset) {
        this(what, offset, lineOf(text, offset), offset - lineStart(text, offset) + 1);
    }

    private JsonException(String what, int offset, int line, int column) {
        super(what + " at line " + line + ", column " + column);
        this.offset = offset;
        this.line = line;
        this.column = column;
    }

    public int offset() {
        return offset;
    }

    /** The line of {@link #offset()}, from 1. */
    public int line() {
        return line;
    }

    /** The column of {@link #offset()} in its line, from 1 (in chars; a tab counts one). */
    public int column() {
        return column;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < Math.min(offset, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static int lineStart(String text, int offset) {
        return text.lastIndexOf('\n', Math.min(offset, text.length()) - 1) + 1;
    }
}
