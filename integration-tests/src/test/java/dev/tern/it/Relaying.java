package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import dev.tern.testing.ScriptedSmtpServer;

/** What the relaying tests do to Tern and look for: mail in through --outbound, DSNs, the queue commands. */
final class Relaying {

    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);

    private Relaying() {
    }

    /** One message through the outbound (relaying) listener; returns Tern's queue id. */
    static String send(TernProcess tern, String from, List<String> to, String contentWithCrlf) {
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            String id = smtp.deliver(from, to, contentWithCrlf);
            smtp.quit();
            return id;
        }
    }

    static String message(String subject, String body) {
        return "From: <sender@example.test>\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.replace(' ', '-')
                + "@client.test>\r\n\r\n" + body + "\r\n";
    }

    /** The one transaction the server receives (waiting for it), failing on more. */
    static ScriptedSmtpServer.Transaction awaitOnlyTransaction(ScriptedSmtpServer server, TernProcess tern) {
        try {
            List<ScriptedSmtpServer.Transaction> all = server.awaitTransactions(1, DELIVERY_TIMEOUT);
            assertThat(all).as("transactions at " + server.address() + tern.logTail()).hasSize(1);
            return all.get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + tern.logTail(), e);
        }
    }

    /** The message the MX received, split into Tern's Received header and what the client sent. */
    record Relayed(String received, byte[] message) {
        String messageLatin1() {
            return new String(message, StandardCharsets.ISO_8859_1);
        }
    }

    /** Splits relayed data at the end of the (possibly folded) first header, which must be Received. */
    static Relayed relayed(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        assertThat(text).as("relayed data starts with Tern's Received header (no Return-Path)").startsWith("Received: ");
        int end = 0;
        do {
            end = text.indexOf("\r\n", end) + 2;
            assertThat(end).as("Received header ends with CRLF").isGreaterThan(1);
        } while (end < text.length() && (text.charAt(end) == ' ' || text.charAt(end) == '\t'));
        return new Relayed(text.substring(0, end - 2).replaceAll("\r\n[ \t]+", " "),
                Arrays.copyOfRange(data, end, data.length));
    }

    /** The only file in the user's new/ (a DSN), waiting for it, unfolded: header lines are one line each. */
    static String awaitDsn(TernProcess tern, String user, Duration timeout) {
        List<Path> files;
        try {
            files = Maildirs.awaitNewFiles(tern.mailRoot(), user, 1, timeout);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + tern.logTail(), e);
        }
        assertThat(files).as("DSNs in " + user + "'s Maildir").hasSize(1);
        return Maildirs.readLatin1(files.get(0)).replaceAll("\r\n[ \t]+", " ");
    }

    /** Checks the parts every failure DSN has, for a sender and its failed recipients. */
    static void assertFailureDsn(String dsn, String sender, List<String> failed) {
        assertThat(dsn).as("DSN").startsWith("Return-Path: <>\r\n")
                .contains("\r\nFrom: MAILER-DAEMON@" + TernProcess.HOSTNAME)
                .contains("\r\nSubject: Undelivered Mail Returned to Sender\r\n")
                .contains("Content-Type: multipart/report; report-type=delivery-status;")
                .contains("Content-Type: message/delivery-status")
                .contains("Reporting-MTA: dns; " + TernProcess.HOSTNAME);
        assertThat(field(dsn, "To")).as("To: of the DSN").contains(sender);
        for (String recipient : failed) {
            assertThat(dsn).contains("Final-Recipient: rfc822; " + recipient);
        }
        assertThat(count(dsn, "Final-Recipient:")).as("recipients reported in\n" + dsn).isEqualTo(failed.size());
        assertThat(count(dsn, "\r\nAction: failed\r\n")).as("Action: failed per recipient in\n" + dsn)
                .isEqualTo(failed.size());
    }

    /** The value of the first "Name: value" line, or null. */
    static String field(String dsn, String name) {
        for (String line : dsn.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }

    /** {@code tern queue ARGS} as its own process, on the service's files. */
    static Exec.Result queue(TernProcess tern, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "queue";
        System.arraycopy(args, 0, all, 1, args.length);
        return tern.admin(null, all);
    }

    /** {@code queue list}, expecting exit 0. */
    static String queueList(TernProcess tern) {
        Exec.Result list = queue(tern, "list");
        assertThat(list.exitCode()).as(list.describe()).isZero();
        return list.stdout();
    }

    /** The queue entry ids ({@code <id>  N octets ...} lines) of a listing. */
    static List<String> entryIds(String listing) {
        return listing.lines().filter(line -> line.contains(" octets  arrived "))
                .map(line -> line.substring(0, line.indexOf(' '))).toList();
    }

    /** Waits until the log has a line with every one of the parts; returns it. */
    static String awaitLogLine(TernProcess tern, Duration timeout, String... parts) {
        String[] found = new String[1];
        boolean seen = FakeInternet.await(timeout, () -> {
            found[0] = tern.log().lines().filter(line -> Arrays.stream(parts).allMatch(line::contains))
                    .findFirst().orElse(null);
            return found[0] != null;
        });
        if (!seen) {
            throw new AssertionError("no log line with all of " + Arrays.toString(parts) + " within " + timeout
                    + tern.logTail());
        }
        return found[0];
    }

    /** Waits (bounded) until {@code queue list} names no recipient at the domain; fails otherwise. */
    static void awaitNotQueued(TernProcess tern, String domain) {
        String[] listing = new String[1];
        boolean gone = FakeInternet.await(Duration.ofSeconds(10), () -> {
            listing[0] = queueList(tern);
            return !listing[0].contains("@" + domain + ">");
        });
        assertThat(gone).as("queue entries for " + domain + " left:\n" + listing[0] + tern.logTail()).isTrue();
    }
}
