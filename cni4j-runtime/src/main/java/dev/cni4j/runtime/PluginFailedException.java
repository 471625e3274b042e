package dev.cni4j.runtime;

import dev.cni4j.spec.CniException;

/**
 * A plugin of a chain failed. Code, msg and details are the plugin's own (so a runtime can hand
 * them on unchanged); which plugin and which verb are kept alongside, for logs.
 */
public final class PluginFailedException extends CniException {
    private static final long serialVersionUID = 1L;
    private final String pluginType;
    private final String command;

    PluginFailedException(String command, String pluginType, CniException cause) {
        super(cause.code(), cause.msg(), cause.details(), cause);
        this.pluginType = pluginType;
        this.command = command;
    }

    public String pluginType() {
        return pluginType;
    }

    /** The verb that failed: ADD, DEL, CHECK, GC or STATUS. */
    public String command() {
        return command;
    }

    @Override
    public String toString() {
        return "plugin type=\"" + pluginType + "\" failed (" + command.toLowerCase() + "): " + msg() + " (code "
                + code() + (details() == null ? "" : ", " + details()) + ")";
    }
}
