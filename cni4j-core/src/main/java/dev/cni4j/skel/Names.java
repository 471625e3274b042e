package dev.cni4j.skel;

import java.nio.charset.StandardCharsets;

/** The spec's rules for container IDs, network names and interface names. */
public final class Names {
    private Names() {}

    /** {@code ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$}, the spec's container ID rule. */
    public static boolean isValidContainerId(String id) {
        if (id == null || id.isEmpty() || !isAlnum(id.charAt(0))) {
            return false;
        }
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isAlnum(c) && c != '_' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** Network names follow the same rule as container IDs. */
    public static boolean isValidNetworkName(String name) {
        return isValidContainerId(name);
    }

    /** Why {@code name} cannot be a Linux interface name, or null when it can. */
    public static String interfaceNameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "empty";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 15) {
            return "longer than 15 bytes";
        }
        if (name.equals(".") || name.equals("..")) {
            return "cannot be '.' or '..'";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c)) {
                return "contains '/', ':' or whitespace";
            }
        }
        return null;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
