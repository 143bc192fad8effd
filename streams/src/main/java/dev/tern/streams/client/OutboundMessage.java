package dev.tern.streams.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;

/**
 * One message to send over a session.
 *
 * @param id         for logs only
 * @param recipients the RCPT TO addresses, in order (duplicates are sent once)
 * @param body       the stored message: CRLF lines, not dot-stuffed
 * @param offset     where the relayed octets start in {@code body} (e.g. after a Return-Path: line)
 * @param size       how many octets from {@code offset} are the message; also the SIZE= value
 * @param encoding   {@code BODY=} and {@code SMTPUTF8} as the message arrived, passed on where the server offers them
 * @param dsn          RET and ENVID to pass on (RFC 3461)
 * @param recipientDsn NOTIFY and ORCPT to pass on, by recipient (absent: none)
 * @param tls          REQUIRETLS (RFC 8689): sent only over verified TLS to a server that offers it
 */
public record OutboundMessage(String id, ReversePath sender, List<MailAddress> recipients, Path body,
                              long offset, long size, MessageEncoding encoding, DsnRequest dsn,
                              Map<MailAddress, RecipientDsn> recipientDsn, TlsRequirement tls) {

    public OutboundMessage(String id, ReversePath sender, List<MailAddress> recipients, Path body, long offset,
                           long size, MessageEncoding encoding, DsnRequest dsn,
                           Map<MailAddress, RecipientDsn> recipientDsn) {
        this(id, sender, recipients, body, offset, size, encoding, dsn, recipientDsn, TlsRequirement.DEFAULT);
    }

    public OutboundMessage(String id, ReversePath sender, List<MailAddress> recipients, Path body, long offset,
                           long size) {
        this(id, sender, recipients, body, offset, size, MessageEncoding.PLAIN);
    }

    public OutboundMessage(String id, ReversePath sender, List<MailAddress> recipients, Path body, long offset,
                           long size, MessageEncoding encoding) {
        this(id, sender, recipients, body, offset, size, encoding, DsnRequest.NONE, Map.of());
    }

    public OutboundMessage {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(body, "body");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(dsn, "dsn");
        Objects.requireNonNull(tls, "tls");
        recipientDsn = Map.copyOf(recipientDsn);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one recipient");
        }
        if (offset < 0 || size < 0) {
            throw new IllegalArgumentException("offset and size must not be negative");
        }
    }
}
