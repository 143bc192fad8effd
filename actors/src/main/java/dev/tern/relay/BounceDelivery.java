package dev.tern.relay;

import org.apache.pekko.actor.typed.ActorRef;

import dev.tern.protocol.Envelope;
import dev.tern.store.StagedMessage;

/**
 * How a relay hands a bounce (RFC 3464 DSN) over to be stored like any other message. The
 * relays are given an {@code ActorRef<Store>} and know nothing of who answers it: the Router
 * does, and so mail flows session → router → relay without the relay pointing back up.
 */
public final class BounceDelivery {

    private BounceDelivery() {
    }

    /** Store this bounce for its recipient, then answer {@code replyTo}. */
    public record Store(Envelope envelope, StagedMessage message, ActorRef<Outcome> replyTo) {
    }

    public sealed interface Outcome {
        String messageId();
    }

    /** Every copy of the bounce is durable: the queue entry it reports on may go. */
    public record Stored(String messageId) implements Outcome {
    }

    /** Nothing of the bounce was kept; the relay tries again later. */
    public record NotStored(String messageId, String reason) implements Outcome {
    }
}
