package dev.tern.http;

import java.util.concurrent.CompletionStage;

/**
 * What the running relays do for an administrator: the service implements it (its relays own
 * the queue entries), and the control socket of {@code ./tern queue} uses the same
 * implementation.
 */
public interface QueueControl {

    /** Retry every queued entry now; completes with the number of domains flushed. */
    CompletionStage<Integer> flush();

    /** Drop one entry without a bounce; completes with whether there was such an entry. */
    CompletionStage<Boolean> remove(String entryId);
}
