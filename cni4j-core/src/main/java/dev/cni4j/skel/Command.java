package dev.cni4j.skel;

/** The verbs of {@code CNI_COMMAND}. */
public enum Command {
    ADD,
    DEL,
    CHECK,
    GC,
    STATUS,
    VERSION;

    /** The command for an env value, or null when it is not a CNI verb. */
    public static Command of(String value) {
        return switch (value) {
            case "ADD" -> ADD;
            case "DEL" -> DEL;
            case "CHECK" -> CHECK;
            case "GC" -> GC;
            case "STATUS" -> STATUS;
            case "VERSION" -> VERSION;
            default -> null;
        };
    }
}
