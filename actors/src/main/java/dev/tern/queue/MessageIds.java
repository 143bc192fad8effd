package dev.tern.queue;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue ids like Postfix's: short, unique on this host (time, PID, a process-wide counter),
 * and made of letters and digits only so they fit the Received: id clause and log lines.
 */
public final class MessageIds {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String PID = Long.toString(ProcessHandle.current().pid(), 36).toUpperCase(Locale.ROOT);

    private MessageIds() {
    }

    public static String next(long epochMillis) {
        return (Long.toString(epochMillis, 36) + "P" + PID + "Q"
                + Long.toString(COUNTER.incrementAndGet(), 36)).toUpperCase(Locale.ROOT);
    }
}
