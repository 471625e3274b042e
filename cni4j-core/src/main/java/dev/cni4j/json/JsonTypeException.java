package dev.cni4j.json;

/** A JSON value of the wrong type for a key, e.g. {@code "mtu": "1500"} where a number is needed. */
public final class JsonTypeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public JsonTypeException(String key, String expected, Object actual) {
        super("\"" + key + "\" must be " + expected + ", got " + describe(actual));
        this.key = key;
    }

    public String key() {
        return key;
    }

    private static String describe(Object v) {
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof JsonObject) {
            return "an object";
        }
        if (v instanceof java.util.List) {
            return "an array";
        }
        return String.valueOf(v);
    }
}
