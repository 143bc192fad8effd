package dev.tern.router;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.tern.protocol.DeliveryStatusNotification.Action;
import dev.tern.protocol.DeliveryStatusNotification.RecipientReport;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.relay.Bounces;
import dev.tern.store.StagedMessage;

/**
 * The success DSN of a local delivery (RFC 3461 §4.1 NOTIFY=SUCCESS, RFC 3464 Action: delivered), staged like a
 * bounce, from the null sender. Never for a null reverse-path (RFC 3461 §6.2).
 */
final class SuccessNotices {

    /** A staged notice and the envelope it goes with. */
    record Notice(Envelope envelope, StagedMessage message) {
    }

    private SuccessNotices() {
    }

    /**
     * Called once every copy is stored (the Router's rule: all or none), so every local recipient, an alias or
     * a sub-address too, was delivered.
     *
     * @return the notice, empty when no recipient asked for one or the sender has nowhere to receive it
     */
    static Optional<Notice> stage(Envelope envelope, StagedMessage message, Router.Notifications notifications)
            throws IOException {
        if (!(envelope.sender() instanceof ReversePath.Sender sender)) {
            return Optional.empty();
        }
        Instant now = notifications.clock().instant();
        List<RecipientReport> reports = envelope.recipients().stream()
                .filter(r -> r.route() instanceof Recipient.LocalMailbox && r.dsn().wants(RecipientDsn.Notify.SUCCESS))
                .map(r -> RecipientReport.succeeded(r.address(), Action.DELIVERED, null, null, now)
                        .withOriginalRecipient(r.dsn().orcpt()))
                .toList();
        if (reports.isEmpty()) {
            return Optional.empty();
        }
        Optional<Recipient.Route> route = notifications.route().apply(sender.address());
        if (route.isEmpty()) {
            return Optional.empty();
        }
        Bounces.Staged staged = Bounces.stage(new Bounces.Original(sender.address(), envelope.messageId(), now,
                envelope.dsn(), message.file(), message.relayOffset(), message.size() - message.relayOffset(),
                envelope.tls()),
                reports, notifications.hostname(), notifications.incomingDir(), notifications.clock());
        return Optional.of(new Notice(staged.envelope(new Recipient(sender.address(), route.get())), staged.message()));
    }

    static void discard(StagedMessage notice) {
        try {
            Files.deleteIfExists(notice.file());
        } catch (IOException ignored) {
            // a leftover in the incoming spool is swept at the next start
        }
    }
}
