package dev.tern.users;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads password hashing runs on, and only it: a flood of AUTH attempts then uses at
 * most one core each and never takes the threads mailbox writers fsync on. The queue is
 * short and bounded; when it is full {@code execute} throws
 * {@link java.util.concurrent.RejectedExecutionException} (AbortPolicy), which the
 * {@link Authenticator} answers with a temporary failure (454 4.7.0) instead of waiting.
 */
final class HashingThreads {

    private HashingThreads() {
    }

    /**
     * One thread per core but one, so that a storm of attempts always leaves a core to the
     * sessions and the mailbox writers (measured on 2 cores: with a thread per core, deliveries
     * took 2.4 s during a 40-client AUTH storm), and room for a short burst waiting its turn.
     */
    static ThreadPoolExecutor create() {
        int cores = Runtime.getRuntime().availableProcessors();
        return create(Math.max(1, cores - 1), Math.max(16, 2 * cores));
    }

    static ThreadPoolExecutor create(int threads, int queued) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "tern-password-hashing-" + count.incrementAndGet());
            thread.setDaemon(true); // never holds the JVM open; the Authenticator shuts the pool down anyway
            return thread;
        };
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queued),
                factory, new ThreadPoolExecutor.AbortPolicy());
    }
}
