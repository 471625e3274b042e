package dev.cni4j.json;

/** Malformed JSON text; {@link #offset()} is where the parser stopped. */
public final class JsonException extends RuntimeException {
    private final int offset;

    public JsonException(String message, int offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
