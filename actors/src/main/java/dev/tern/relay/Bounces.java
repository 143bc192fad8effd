package dev.tern.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;

import dev.tern.files.PrivateFiles;
import dev.tern.protocol.BodyType;
import dev.tern.protocol.DeliveryStatusNotification;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.OriginalHeaders;
import dev.tern.protocol.ReceivedHeader;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.MessageIds;
import dev.tern.queue.QueueEntry;
import dev.tern.store.StagedMessage;

/**
 * Writes the RFC 3464 non-delivery report for a queue entry's failed recipients into the
 * incoming spool, staged like a received message, so the router stores or relays it as
 * any other mail. It comes from the null sender, so it can never bounce in turn.
 */
final class Bounces {

    /** A staged bounce and its message id. */
    record Staged(String messageId, StagedMessage message) {
        Envelope envelope(Recipient to) {
            // RFC 6531 §3.2: a bounce to a UTF-8 address needs SMTPUTF8 on its way there
            return new Envelope(messageId, ReversePath.NULL, List.of(to), to.address().isAscii()
                    ? MessageEncoding.PLAIN : new MessageEncoding(BodyType.EIGHT_BIT_MIME, true));
        }
    }

    private Bounces() {
    }

    static Staged stage(QueueEntry entry, Path body, String hostname, Path incomingDir, Clock clock) throws IOException {
        MailAddress sender = ((ReversePath.Sender) entry.sender()).address();
        String id = MessageIds.next(clock.millis());
        byte[] originalHeaders = OriginalHeaders.read(body, entry.bodyOffset(), OriginalHeaders.DEFAULT_LIMIT);
        List<DeliveryStatusNotification.RecipientReport> reports = entry.failures().stream()
                .map(failed -> DeliveryStatusNotification.RecipientReport.failed(failed.address(), failed.dsnStatus(),
                        failed.remoteMta(), failed.diagnostic(), failed.lastAttempt()))
                .toList();
        byte[] dsn = new DeliveryStatusNotification(hostname, id + "@" + hostname, ZonedDateTime.now(clock), sender,
                entry.id(), entry.arrival(), reports, originalHeaders).toBytes();
        byte[] returnPath = ReceivedHeader.returnPath(ReversePath.NULL).getBytes(StandardCharsets.US_ASCII);
        Path file = incomingDir.resolve(id);
        try (FileChannel out = PrivateFiles.create(file)) { // staged like received mail: 0600
            ByteBuffer content = ByteBuffer.allocate(returnPath.length + dsn.length).put(returnPath).put(dsn).flip();
            while (content.hasRemaining()) {
                out.write(content);
            }
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new Staged(id, new StagedMessage(file, returnPath.length + (long) dsn.length, returnPath.length));
    }
}
