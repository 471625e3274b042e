package dev.cni4j.testing.fuzz;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A JSON document as the fuzzer mutates it: objects are lists of members, so a key can appear
 * twice, and scalars are raw JSON text, so a number can be any token (1e400, -0, 2^64).
 */
final class JsonTree {
    private JsonTree() {}

    static final class Obj {
        final List<String> keys = new ArrayList<>();
        final List<Object> values = new ArrayList<>();
    }

    static final class Arr {
        final List<Object> items = new ArrayList<>();
    }

    record Raw(String text) {}

    /** A place holding a value: a member of an object or an element of an array. */
    static final class Slot {
        private final Object container;
        private final int index;

        Slot(Object container, int index) {
            this.container = container;
            this.index = index;
        }

        private List<Object> list() {
            return container instanceof Obj o ? o.values : ((Arr) container).items;
        }

        Object get() {
            return list().get(index);
        }

        void set(Object v) {
            list().set(index, v);
        }

        void remove() {
            list().remove(index);
            if (container instanceof Obj o) {
                o.keys.remove(index);
            }
        }

        /** The same key (or element) again right after this one, with {@code v}. */
        void duplicate(Object v) {
            list().add(index + 1, v);
            if (container instanceof Obj o) {
                o.keys.add(index + 1, o.keys.get(index));
            }
        }

        String key() {
            return container instanceof Obj o ? o.keys.get(index) : null;
        }

        void rename(String key) {
            if (container instanceof Obj o) {
                o.keys.set(index, key);
            }
        }

        void insert(String key, Object v) {
            list().add(index, v);
            if (container instanceof Obj o) {
                o.keys.add(index, key);
            }
        }
    }

    /** The tree of a value parsed by {@link Json#parse}. */
    static Object of(Object parsed) {
        if (parsed instanceof JsonObject jo) {
            Obj o = new Obj();
            for (Map.Entry<String, Object> e : jo.entrySet()) {
                o.keys.add(e.getKey());
                o.values.add(of(e.getValue()));
            }
            return o;
        }
        if (parsed instanceof List<?> l) {
            Arr a = new Arr();
            l.forEach(x -> a.items.add(of(x)));
            return a;
        }
        return new Raw(Json.write(parsed));
    }

    /** A deep copy, so that no node is in two places of a tree. */
    static Object copy(Object v) {
        if (v instanceof Obj o) {
            Obj c = new Obj();
            c.keys.addAll(o.keys);
            o.values.forEach(x -> c.values.add(copy(x)));
            return c;
        }
        if (v instanceof Arr a) {
            Arr c = new Arr();
            a.items.forEach(x -> c.items.add(copy(x)));
            return c;
        }
        return v;
    }

    static Object raw(String text) {
        return new Raw(text);
    }

    static Object array(Object... items) {
        Arr a = new Arr();
        a.items.addAll(List.of(items));
        return a;
    }

    static Object object() {
        return new Obj();
    }

    static Object object(String key, Object value) {
        Obj o = new Obj();
        put(o, key, value);
        return o;
    }

    static void put(Object obj, String key, Object value) {
        Obj o = (Obj) obj;
        o.keys.add(key);
        o.values.add(value);
    }

    /** Every slot of the tree, outermost first. */
    static List<Slot> slots(Object root) {
        List<Slot> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(Object v, List<Slot> out) {
        List<Object> children = v instanceof Obj o ? o.values : v instanceof Arr a ? a.items : List.of();
        for (int i = 0; i < children.size(); i++) {
            out.add(new Slot(v, i));
            collect(children.get(i), out);
        }
    }

    static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v instanceof Obj o) {
            sb.append('{');
            for (int i = 0; i < o.keys.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(Json.write(o.keys.get(i))).append(':');
                write(sb, o.values.get(i));
            }
            sb.append('}');
        } else if (v instanceof Arr a) {
            sb.append('[');
            for (int i = 0; i < a.items.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                write(sb, a.items.get(i));
            }
            sb.append(']');
        } else {
            sb.append(((Raw) v).text());
        }
    }
}
