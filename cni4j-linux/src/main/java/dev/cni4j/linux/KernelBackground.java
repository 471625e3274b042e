package dev.cni4j.linux;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where kernel work that nobody waits for runs: the RCU wait of a detached link deletion, the
 * release of a netfilter socket. Reused daemon threads: a plugin call used to start one per
 * deletion or close (~10 per pod). Threads idle for 5 s end: reuse matters within a burst of calls,
 * and each idle thread kept costs memory (bench/memory.sh). (A lower scheduling priority for
 * them was tried and measured no better: a deletion holds RTNL part of the time, and the next
 * call waits for RTNL.)
 */
public final class KernelBackground {
    private KernelBackground() {}

    private static final ExecutorService THREADS = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            5,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Thread.ofPlatform().daemon(true).name("cni4j-background").factory());

    /** Runs {@code work} in the background; its failures are the work's to report. */
    public static void run(Runnable work) {
        THREADS.execute(work);
    }
}
