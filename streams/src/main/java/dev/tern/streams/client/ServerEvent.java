package dev.tern.streams.client;

import dev.tern.protocol.SmtpReply;
import dev.tern.streams.TlsInbound;

/** What the client reads from its connection: complete replies, and the moment TLS took over. */
sealed interface ServerEvent {

    record Reply(SmtpReply reply) implements ServerEvent {
    }

    /** Every reply before this one came in clear, every one after it through TLS. */
    record TlsStarted(TlsInbound.Established session) implements ServerEvent {
    }
}
