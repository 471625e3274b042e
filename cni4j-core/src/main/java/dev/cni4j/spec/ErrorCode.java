package dev.cni4j.spec;

/** The error codes the CNI spec reserves (0-99), plus libcni's 8 and 999. */
public enum ErrorCode {
    INCOMPATIBLE_VERSION(1),
    UNSUPPORTED_FIELD(2),
    UNKNOWN_CONTAINER(3),
    INVALID_ENVIRONMENT(4),
    IO_FAILURE(5),
    DECODING_FAILURE(6),
    INVALID_NETWORK_CONFIG(7),
    INVALID_NETNS(8),
    TRY_AGAIN_LATER(11),
    PLUGIN_NOT_AVAILABLE(50),
    NOT_AVAILABLE_LIMITED_CONNECTIVITY(51),
    INTERNAL(999);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
