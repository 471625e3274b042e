package dev.cni4j.json;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON object: an insertion-ordered map with typed accessors.
 *
 * <p>Every accessor matches keys the way Go's {@code encoding/json} does, exact first and then
 * case-insensitively, because runtimes rely on it: containerd sends {@code HostPort},
 * {@code IngressRate}, ... where the spec says {@code hostPort}. A value of the wrong type is a
 * {@link JsonTypeException} naming the key, never silently ignored.
 */
public final class JsonObject extends LinkedHashMap<String, Object> implements JsonWritable {
    private static final long serialVersionUID = 1L;

    public JsonObject() {
        super();
    }

    public JsonObject(Map<String, ?> other) {
        super(other);
    }

    /** Fluent put for building results. Null values are skipped. */
    public JsonObject with(String key, Object value) {
        if (value != null) {
            put(key, value);
        }
        return this;
    }

    /** The value for {@code key}, matched exactly or else case-insensitively; null if absent. */
    public Object find(String key) {
        Object v = get(key);
        if (v != null || containsKey(key)) {
            return v;
        }
        for (Map.Entry<String, Object> e : entrySet()) {
            if (e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The key as spelled in this object, for {@code key} matched case-insensitively; null if absent. */
    public String actualKey(String key) {
        if (containsKey(key)) {
            return key;
        }
        for (String k : keySet()) {
            if (k.equalsIgnoreCase(key)) {
                return k;
            }
        }
        return null;
    }

    public boolean has(String key) {
        return find(key) != null;
    }

    public String string(String key) {
        Object v = find(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new JsonTypeException(key, "a string", v);
    }

    public String string(String key, String fallback) {
        String s = string(key);
        return s == null ? fallback : s;
    }

    public boolean bool(String key, boolean fallback) {
        Object v = find(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new JsonTypeException(key, "a boolean", v);
    }

    /** A whole number; fractions and numbers beyond 64 bits are type errors. */
    public Long integer(String key) {
        Object v = find(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e18) {
            return d.longValue();
        }
        if (v instanceof BigInteger) {
            throw new JsonTypeException(key, "a number that fits in 64 bits", v);
        }
        throw new JsonTypeException(key, "a whole number", v);
    }

    public long integer(String key, long fallback) {
        Long l = integer(key);
        return l == null ? fallback : l;
    }

    public JsonObject object(String key) {
        Object v = find(key);
        if (v == null || v instanceof JsonObject) {
            return (JsonObject) v;
        }
        throw new JsonTypeException(key, "an object", v);
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(String key) {
        Object v = find(key);
        if (v == null || v instanceof List) {
            return (List<Object>) v;
        }
        throw new JsonTypeException(key, "an array", v);
    }

    /** An array of objects; null if absent. */
    public List<JsonObject> objects(String key) {
        List<Object> raw = list(key);
        if (raw == null) {
            return null;
        }
        List<JsonObject> out = new ArrayList<>(raw.size());
        for (Object o : raw) {
            if (!(o instanceof JsonObject jo)) {
                throw new JsonTypeException(key, "an array of objects", o);
            }
            out.add(jo);
        }
        return out;
    }

    /** An array of strings; null if absent. */
    public List<String> strings(String key) {
        List<Object> raw = list(key);
        if (raw == null) {
            return null;
        }
        List<String> out = new ArrayList<>(raw.size());
        for (Object o : raw) {
            if (!(o instanceof String s)) {
                throw new JsonTypeException(key, "an array of strings", o);
            }
            out.add(s);
        }
        return out;
    }

    /** A deep copy, so a caller can modify it without touching this object. */
    public JsonObject deepCopy() {
        return (JsonObject) copyValue(this);
    }

    private static Object copyValue(Object v) {
        if (v instanceof JsonObject o) {
            JsonObject c = new JsonObject();
            for (Map.Entry<String, Object> e : o.entrySet()) {
                c.put(e.getKey(), copyValue(e.getValue()));
            }
            return c;
        }
        if (v instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object x : l) {
                c.add(copyValue(x));
            }
            return c;
        }
        return v;
    }

    @Override
    public Object toJson() {
        return this;
    }

    @Override
    public String toString() {
        return Json.write(this);
    }
}
