package dev.tern.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;

import dev.tern.files.PrivateFiles;
import dev.tern.protocol.BodyType;
import dev.tern.protocol.DeliveryStatusNotification;
import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.OriginalHeaders;
import dev.tern.protocol.ReceivedHeader;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.queue.MessageIds;
import dev.tern.queue.BodyFile;
import dev.tern.queue.QueueEntry;
import dev.tern.store.StagedMessage;

/**
 * Writes an RFC 3464 delivery status notification (a queue entry's failed or relayed recipients,
 * a delay warning, or a local delivery's success report) into the incoming spool, staged like a
 * received message, so the router stores or relays it as any other mail. It comes from the null
 * sender, so it can never bounce in turn.
 */
public final class Bounces {

    /**
     * A staged bounce, its message id and the TLS requirement it inherits from the message it reports on.
     *
     * @param tls RFC 8689 §5: a non-delivery report of a REQUIRETLS message carries (some of) that message, so it
     *            is itself sent with REQUIRETLS; delay and success reports carry its headers too, so they follow
     *            the same rule. A report to a local mailbox never leaves the host and is unaffected.
     */
    public record Staged(String messageId, StagedMessage message, TlsRequirement tls) {
        public Envelope envelope(Recipient to) {
            // RFC 6531 §3.2: a bounce to a UTF-8 address needs SMTPUTF8 on its way there
            return new Envelope(messageId, ReversePath.NULL, List.of(to), to.address().isAscii()
                    ? MessageEncoding.PLAIN : new MessageEncoding(BodyType.EIGHT_BIT_MIME, true), DsnRequest.NONE,
                    tls);
        }
    }

    private Bounces() {
    }

    /** A DSN on these recipients of the entry, with its ENVID, returning the whole message if RET=FULL asked. */
    static Staged stage(QueueEntry entry, List<DeliveryStatusNotification.RecipientReport> reports, BodyFile body,
                        String hostname, Path incomingDir, Clock clock) throws IOException {
        return stage(new Original(((ReversePath.Sender) entry.sender()).address(), entry.id(), entry.arrival(),
                entry.dsn(), body.file(), body.offset(), body.size(), entry.tls()), reports, hostname, incomingDir,
                clock);
    }

    /**
     * The message a DSN reports on: its sender (who gets the DSN), queue id, arrival, DSN request, where its
     * octets are, and whether it was sent with REQUIRETLS (the DSN then is too, RFC 8689 §5).
     */
    public record Original(MailAddress sender, String queueId, Instant arrival, DsnRequest dsn, Path body,
                           long offset, long size, TlsRequirement tls) {
    }

    /**
     * Stages a DSN in {@code incomingDir} (0600, as received mail). RFC 3461 §4.3: RET=FULL returns the whole
     * message in a failure report (streamed from {@code body}, up to {@link ReturnedMessage#LIMIT} octets, as
     * Postfix's bounce_size_limit); otherwise, and for delay and success reports, only its headers.
     */
    public static Staged stage(Original original, List<DeliveryStatusNotification.RecipientReport> reports,
                               String hostname, Path incomingDir, Clock clock) throws IOException {
        String id = MessageIds.next(clock.millis());
        byte[] originalHeaders = OriginalHeaders.read(original.body(), original.offset(), OriginalHeaders.DEFAULT_LIMIT);
        DeliveryStatusNotification dsn = new DeliveryStatusNotification(hostname, id + "@" + hostname,
                ZonedDateTime.now(clock), original.sender(), original.queueId(), original.arrival(), reports,
                originalHeaders, original.dsn().envid());
        boolean full = original.dsn().returnsFullMessage() && dsn.reportsFailure()
                && original.size() <= ReturnedMessage.LIMIT;
        byte[] returnPath = ReceivedHeader.returnPath(ReversePath.NULL).getBytes(StandardCharsets.US_ASCII);
        Path file = incomingDir.resolve(id);
        long size;
        try (FileChannel out = PrivateFiles.create(file)) { // staged like received mail: 0600
            writeAll(out, returnPath);
            if (full) {
                ReturnedMessage message = new ReturnedMessage(original.body(), original.offset(), original.size());
                DeliveryStatusNotification.Framing framing = dsn.aroundMessage(message);
                writeAll(out, framing.head());
                message.copyTo(out);
                writeAll(out, framing.tail());
            } else {
                writeAll(out, dsn.toBytes());
            }
            size = out.size();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new Staged(id, new StagedMessage(file, size, returnPath.length), original.tls());
    }

    private static void writeAll(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer content = ByteBuffer.wrap(bytes);
        while (content.hasRemaining()) {
            out.write(content);
        }
    }
}
