package dev.cni4j.daemon;

/**
 * Told about every request the daemon ends, for metrics (the node agent's Prometheus counters
 * and latency histogram). Called on the request's thread after the plugin returned and before
 * the reply is written, so it must be quick and must not throw.
 */
public interface RequestObserver {
    RequestObserver NONE = new RequestObserver() {
        @Override
        public void served(String type, String command, int exitCode, long nanos) {}

        @Override
        public void declined(Decline reason) {}
    };

    /** Why a request was declined (its launcher ran the standalone plugin instead). */
    enum Decline {
        NOT_ROOT,
        BAD_REQUEST,
        OTHER_NAMESPACE,
        UNKNOWN_TYPE,
        BUSY;

        /** The metric label: "not_root", "other_namespace", ... */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A plugin ran and its reply is not sent yet: what the runtime gave it ({@code env}, with
     * CNI_COMMAND and CNI_ARGS) and what it printed ({@code stdout}, the result or error JSON).
     * The runtime waits for what this does (the node agent programs a new pod's NetworkPolicy
     * here, so the pod is policed before its containers start); it must not throw.
     */
    default void beforeReply(String type, java.util.Map<String, String> env, byte[] stdout, int exitCode) {}

    /** A plugin ran: its type, CNI_COMMAND, exit code (0 success, 1 a CNI error) and wall time. */
    void served(String type, String command, int exitCode, long nanos);

    /** A request was declined before anything ran. */
    void declined(Decline reason);
}
