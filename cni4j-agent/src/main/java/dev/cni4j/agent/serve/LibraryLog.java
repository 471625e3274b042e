package dev.cni4j.agent.serve;

import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the agent's process (found through {@code META-INF/services}): what
 * fabric8 (informer, watch manager, HTTP client) logs at WARN and ERROR becomes a line of the
 * agent's JSON log with a {@code logger} field; DEBUG and INFO are dropped (per-request chatter).
 * Without it fabric8's log went to slf4j-nop and a failing watch left no trace.
 */
public final class LibraryLog implements SLF4JServiceProvider {
    private static volatile JsonLog sink = new JsonLog(null);

    private final ConcurrentHashMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, JsonLogger::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /** Where library log lines go from now on (the agent's log, which names the node). */
    public static void sendTo(JsonLog log) {
        sink = log;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {}

    /** WARN and ERROR only, into {@link #sink}. */
    static final class JsonLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        JsonLogger(String name) {
            this.name = name;
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return false;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            if (level.toInt() < Level.WARN.toInt()) {
                return;
            }
            String msg = MessageFormatter.basicArrayFormat(pattern, args);
            String lvl = level == Level.ERROR ? "error" : "warn";
            if (t == null) {
                sink.write(lvl, msg, "logger", name);
            } else {
                sink.write(lvl, msg, "logger", name, "error", t, "cause", rootCause(t));
            }
        }

        private static String rootCause(Throwable t) {
            Throwable c = t;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            return c.getClass().getSimpleName() + ": " + c.getMessage();
        }
    }
}
