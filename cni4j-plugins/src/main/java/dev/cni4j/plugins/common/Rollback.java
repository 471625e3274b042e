package dev.cni4j.plugins.common;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What an ADD has done so far, to undo in reverse order when a later step fails, so a failed ADD
 * leaves no link, reservation or rule behind. Undo steps are best effort: one that fails is logged
 * and the rest still run.
 */
public final class Rollback {
    /** Env var naming a checkpoint at which ADD fails on purpose: how tests prove each undo path. */
    public static final String FAILPOINT_ENV = "CNI4J_FAILPOINT";

    private final Deque<Step> steps = new ArrayDeque<>();
    private final PrintStream log;
    private final String failpoint;

    /** One undo action. */
    @FunctionalInterface
    public interface Step {
        void undo() throws Exception;
    }

    public Rollback(PrintStream log) {
        this(log, null);
    }

    public Rollback(PrintStream log, String failpoint) {
        this.log = log;
        this.failpoint = failpoint;
    }

    /** Marks the end of a step; fails here when the request names it as its failpoint. */
    public void checkpoint(String name) {
        Killpoint.reached(name);
        if (name.equals(failpoint)) {
            throw new IllegalStateException("failpoint " + name + " reached");
        }
    }

    /** Registers how to undo the step just done. */
    public void onFailure(String what, Step step) {
        steps.push(new Step() {
            @Override
            public void undo() throws Exception {
                step.undo();
            }

            @Override
            public String toString() {
                return what;
            }
        });
    }

    /** Undoes everything registered, newest first. */
    public void undoAll() {
        while (!steps.isEmpty()) {
            Step s = steps.pop();
            try {
                s.undo();
            } catch (Exception e) {
                log.println("rollback: failed to undo " + s + ": " + e.getMessage());
            }
        }
    }

    /** The ADD succeeded: nothing to undo. */
    public void commit() {
        steps.clear();
    }
}
