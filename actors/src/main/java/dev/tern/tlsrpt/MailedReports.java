package dev.tern.tlsrpt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import dev.tern.dkim.MessageSigner;
import dev.tern.files.PrivateFiles;
import dev.tern.protocol.Envelope;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReceivedHeader;
import dev.tern.protocol.Recipient;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.tlsrpt.ReportMessage;
import dev.tern.queue.MessageIds;
import dev.tern.router.Router;
import dev.tern.store.StagedMessage;

/**
 * Mails reports to mailto rua addresses (RFC 8460 §5.3) the way bounces travel: staged in the incoming spool
 * (0600), then handed to the router, through the DKIM signer when there are keys, so the report is queued and
 * relayed (or stored, for a local address) like any other message, retries included. The envelope sender is
 * the null path, as for bounces: a report that cannot be delivered never bounces in turn.
 */
final class MailedReports {

    /** The longest the router may take to say the report is stored. */
    private static final Duration STORE_TIMEOUT = Duration.ofMinutes(2);

    private final TlsRptSettings settings;
    private final Path incomingDir;
    private final Clock clock;
    private final Scheduler scheduler;

    MailedReports(TlsRptSettings settings, Path incomingDir, Clock clock, Scheduler scheduler) {
        this.settings = settings;
        this.incomingDir = incomingDir;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** Completes with what happened, for the log; never exceptionally. */
    CompletionStage<String> send(Report report, String address, MailEntry entry) {
        Optional<MailAddress> to = MailAddress.parse(address);
        if (to.isEmpty()) {
            return CompletableFuture.completedFuture("not sent: <" + address + "> is not an address");
        }
        Optional<Recipient.Route> route = entry.route().apply(to.get());
        if (route.isEmpty()) {
            return CompletableFuture.completedFuture("not sent: no route to <" + address + ">");
        }
        String id = MessageIds.next(clock.millis());
        ReportMessage message = new ReportMessage(settings.submitter(), settings.contact(), address,
                report.period().policyDomain(), report.reportId(), ZonedDateTime.now(clock.withZone(
                java.time.ZoneOffset.UTC)), report.start(), report.end(), report.gzippedJson());
        StagedMessage staged;
        try {
            staged = stage(incomingDir.resolve(id), message.toBytes());
        } catch (IOException e) {
            return CompletableFuture.completedFuture("not sent: cannot stage it: " + e);
        }
        Envelope envelope = new Envelope(id, ReversePath.NULL, List.of(new Recipient(to.get(), route.get())),
                MessageEncoding.PLAIN);
        CompletionStage<Router.Outcome> stored = entry.signer().isPresent()
                ? AskPattern.ask(entry.signer().get(), replyTo -> new MessageSigner.Sign(
                        new Router.Deliver(envelope, staged, replyTo)), STORE_TIMEOUT, scheduler)
                : AskPattern.ask(entry.router(), replyTo -> new Router.Deliver(envelope, staged, replyTo),
                        STORE_TIMEOUT, scheduler);
        return stored.handle((outcome, error) -> {
            if (error != null) {
                // the router may still take it: the staged file stays for it (the incoming spool's sweep)
                return "not known to be queued: " + error;
            }
            deleteQuietly(staged.file()); // stored or refused, the router is done with the staged file
            return outcome instanceof Router.Stored ? "queued as " + id
                    : "not queued: " + ((Router.NotStored) outcome).reason();
        });
    }

    private static StagedMessage stage(Path file, byte[] message) throws IOException {
        byte[] returnPath = ReceivedHeader.returnPath(ReversePath.NULL).getBytes(StandardCharsets.US_ASCII);
        try (FileChannel out = PrivateFiles.create(file)) {
            for (byte[] part : List.of(returnPath, message)) {
                ByteBuffer bytes = ByteBuffer.wrap(part);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            out.force(true);
            return new StagedMessage(file, out.size(), returnPath.length);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover staged file is swept with the incoming spool
        }
    }
}
