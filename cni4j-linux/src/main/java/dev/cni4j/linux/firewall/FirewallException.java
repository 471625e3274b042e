package dev.cni4j.linux.firewall;

/** A firewall tool rejected a batch; carries its exit code, stderr and the script it was fed. */
public final class FirewallException extends RuntimeException {
    private final int exitCode;
    private final String stderr;
    private final String script;

    public FirewallException(String command, int exitCode, String stderr, String script) {
        super(command + " exited " + exitCode + (stderr.isEmpty() ? "" : ": " + stderr));
        this.exitCode = exitCode;
        this.stderr = stderr;
        this.script = script;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stderr() {
        return stderr;
    }

    /** The input that was rejected, or null. */
    public String script() {
        return script;
    }
}
