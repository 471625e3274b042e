package dev.cni4j.cli;

/**
 * A failure the CLI reports as one line on stderr and an exit status, never a stack trace.
 * {@link #usage(String)} is a mistake in the command line (exit 2); {@link #failed(String)} is an
 * operation that could not be done (exit 1).
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final int USAGE = 2;
    static final int FAILED = 1;

    private final int exitStatus;

    CliException(String message, int exitStatus) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }

    static CliException usage(String message) {
        return new CliException(message, USAGE);
    }

    static CliException failed(String message) {
        return new CliException(message, FAILED);
    }

    int exitStatus() {
        return exitStatus;
    }
}
