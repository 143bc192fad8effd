package dev.tern.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique Maildir file names, {@code <seconds>.P<pid>Q<counter>.<host>,S=<size>}
 * (the "modern" form of the Maildir spec). The counter is one per process, shared by
 * every writer thread, so that names never collide however many deliveries run at once.
 */
public final class MaildirNames {

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();

    private final String host;

    public MaildirNames(String hostname) {
        this.host = escapeHost(hostname);
    }

    public String next(long epochSeconds, long size) {
        return epochSeconds + ".P" + PID + "Q" + COUNTER.incrementAndGet() + "." + host + ",S=" + size;
    }

    /** The Maildir spec: '/' and ':' in the host name are written as \057 and \072. */
    static String escapeHost(String hostname) {
        return hostname.replace("/", "\\057").replace(":", "\\072");
    }
}
