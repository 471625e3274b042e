package dev.cni4j.json;

/** A value that knows its JSON form (a {@link JsonObject}, list, string or number). */
public interface JsonWritable {
    Object toJson();
}
