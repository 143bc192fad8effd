package dev.tern.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The RFC 5321 client state machine, the counterpart of {@link ServerDialogue}: given the
 * server's replies, what the client sends or does next. Pure: no I/O, no clock, no threads;
 * the caller reads replies, writes commands, switches to TLS, sends the message content and
 * keeps time, one {@link Step} at a time.
 *
 * <p>A conversation: {@link #connected} (the server speaks first), greeting (220 expected),
 * EHLO — HELO when EHLO gets a 5xx — and STARTTLS as {@link StartTls} says, followed by a
 * fresh EHLO inside TLS whose capabilities replace the first; then any number of
 * {@link #send} transactions, each followed by {@link #reset} before the next; then
 * {@link #quit}. A 421 to any command but QUIT ends the session (RFC 5321 §3.8).
 *
 * <p>Stateful and not thread-safe: one dialogue per connection, driven by one caller (or a
 * chain of callbacks that hand over in order). Calling a method the dialogue is not ready
 * for throws {@link IllegalStateException}.
 */
public final class ClientDialogue {

    /** What one conversation does about STARTTLS (RFC 3207). */
    public enum StartTls {
        /** Never STARTTLS. */
        NEVER,
        /** STARTTLS when the server offers it; in clear when it does not or refuses it. */
        WHEN_OFFERED,
        /** TLS or nothing: no offer or a refusal ends the session (after QUIT). */
        REQUIRED
    }

    /**
     * What the client waits for — the reply to a command, or the TLS handshake — and so what a
     * failure or a timeout while waiting is about.
     */
    public enum Stage {
        GREETING("greeting"), EHLO("EHLO"), HELO("HELO"), STARTTLS("STARTTLS"), TLS("TLS handshake"), MAIL("MAIL"),
        RCPT("RCPT"), DATA("DATA"), END_OF_DATA("end of data"), RSET("RSET"), QUIT("QUIT"),
        /** the reply to a BDAT chunk (RFC 3030): for the last one, the final reply to the message */
        BDAT("BDAT");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        /** e.g. {@code greeting}, {@code EHLO}, {@code end of data}. */
        @Override
        public String toString() {
            return label;
        }
    }

    /** What the caller does next. */
    public sealed interface Step {

        /** Write the command lines in one go (a PIPELINING group when several), then read the reply to the first. */
        record Write(List<String> lines, Stage awaiting) implements Step {
            public Write {
                lines = List.copyOf(lines);
            }

            /** The lines as they go on the wire, CRLF after every one. */
            public String text() {
                return String.join("\r\n", lines) + "\r\n";
            }
        }

        /** Read the next reply: the answer to a later command of the group already written. */
        record Await(Stage stage) implements Step {
        }

        /**
         * The 220 to STARTTLS came: switch the connection to TLS, then wait for {@link Stage#TLS}:
         * {@link #onTlsStarted} once the handshake is done.
         */
        record Handshake() implements Step {
        }

        /** The 354 came: send the message content, dot-stuffed and terminated, then read the {@link Stage#END_OF_DATA} reply. */
        record SendContent() implements Step {
        }

        /**
         * RFC 3030 BDAT: write {@code BDAT <length>} ({@code BDAT <length> LAST} when {@code last}),
         * then {@code length} octets of the message content from {@code offset} as they are (no
         * dot-stuffing, no terminator), then read the {@link Stage#BDAT} reply.
         */
        record SendChunk(long offset, long length, boolean last) implements Step {

            /** The command line, with its CRLF. */
            public String command() {
                return "BDAT " + length + (last ? " LAST" : "") + "\r\n";
            }
        }

        /** The operation succeeded; the dialogue is ready for {@link #send}, {@link #reset} or {@link #quit}. */
        record Ready() implements Step {
        }

        /**
         * The transaction is over, and the dialogue ready: for every recipient, in order, the
         * reply that decided it.
         */
        record Report(Map<MailAddress, SmtpReply> replies) implements Step {
            public Report {
                replies = Collections.unmodifiableMap(new LinkedHashMap<>(replies));
            }
        }

        /** The conversation is over: close the connection. */
        record Close() implements Step {
        }

        /** The session failed: send QUIT and wait briefly for its reply first when {@code quit}, then close and fail. */
        record Fail(Failure failure, boolean quit) implements Step {
        }
    }

    /** Why a session failed, as far as the dialogue can tell. */
    public sealed interface Failure {

        /** The server refused the session: a greeting other than 220, EHLO and HELO refused, RSET refused, a 421. */
        record Rejected(Stage stage, SmtpReply reply) implements Failure {
        }

        /** {@link StartTls#REQUIRED}, but STARTTLS was not offered ({@code refusal} null) or was refused. */
        record NoTls(SmtpReply refusal) implements Failure {
        }

        /** The server broke the protocol. */
        record Violation(String problem) implements Failure {
        }
    }

    private static final Step READY = new Step.Ready();

    /**
     * Octets per BDAT chunk: each chunk is read from disk as the connection takes it, so the size
     * bounds only how often the client waits for a reply (one round trip per chunk).
     */
    public static final long CHUNK_SIZE = 1024 * 1024;

    private final String serverName;
    private final String heloName;
    private final StartTls startTls;
    private final long chunkSize;

    private Stage awaiting;
    private boolean ready;
    private boolean ended;
    private SmtpReply greeting;
    private EhloCapabilities capabilities;
    private boolean encrypted;

    // the transaction in progress
    private List<MailAddress> recipients = List.of();
    /** RFC 3461 NOTIFY and ORCPT per recipient, written on RCPT when the server offers DSN. */
    private Map<MailAddress, RecipientDsn> recipientDsn = Map.of();
    private boolean pipelined;
    private boolean chunking;
    private long size;
    private long chunked;
    private SmtpReply mailReply;
    private final List<SmtpReply> rcptReplies = new ArrayList<>();
    private Map<MailAddress, SmtpReply> decided;
    private List<MailAddress> accepted;

    /**
     * @param serverName the server's host name, for the reply the client makes up when a
     *                   message is over its SIZE limit
     * @param heloName   this host's name for EHLO/HELO
     */
    public ClientDialogue(String serverName, String heloName, StartTls startTls) {
        this(serverName, heloName, startTls, CHUNK_SIZE);
    }

    /** @param chunkSize octets per BDAT chunk when the server offers CHUNKING */
    public ClientDialogue(String serverName, String heloName, StartTls startTls, long chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
        this.serverName = serverName;
        this.heloName = heloName;
        this.startTls = startTls;
        this.chunkSize = chunkSize;
    }

    // ------------------------------------------------------------------ what the dialogue knows

    /** The greeting, once it came. */
    public SmtpReply greeting() {
        return greeting;
    }

    /** The first word of the greeting: the name the server gives itself. */
    public String greetingName() {
        return greeting == null ? null : greeting.firstWord();
    }

    /** The extensions from the latest EHLO (after STARTTLS, the one inside TLS); none after HELO. */
    public EhloCapabilities capabilities() {
        return capabilities;
    }

    /** Whether a message of {@code size} octets is within the server's SIZE limit (RFC 1870), if it has one. */
    public boolean fits(long size) {
        OptionalLong limit = capabilities.sizeLimit();
        return limit.isEmpty() || size <= limit.getAsLong();
    }

    // ------------------------------------------------------------------ what the caller does

    /** The connection is up: the server speaks first. */
    public Step connected() {
        if (greeting != null || awaiting != null || ended) {
            throw new IllegalStateException("already connected");
        }
        return await(Stage.GREETING);
    }

    /**
     * One mail transaction: MAIL FROM (with SIZE= when the server has SIZE), RCPT TO for each
     * recipient (duplicates once) and DATA — in one group when the server offers PIPELINING
     * (RFC 2920), otherwise each after the reply to the one before. A message over the server's
     * SIZE limit is not offered: the {@link Step.Report} comes at once, a {@code 552 5.3.4}
     * for every recipient.
     */
    public Step send(ReversePath sender, List<MailAddress> to, long size) {
        return send(sender, to, size, MessageEncoding.PLAIN, null, DsnRequest.NONE, Map.of());
    }

    /**
     * As {@link #send(ReversePath, List, long)}, with {@code BODY=} and {@code SMTPUTF8} passed on
     * as {@link NextHopEncoding} decides: a message the server cannot take is not offered, every
     * recipient gets the reply that says why (5.6.7, 5.6.3).
     *
     * @param content asked about the message's octets only when the server lacks an extension the
     *                encoding names; may be null for {@link MessageEncoding#PLAIN}
     */
    public Step send(ReversePath sender, List<MailAddress> to, long size, MessageEncoding encoding,
                     NextHopEncoding.Content content) {
        return send(sender, to, size, encoding, content, DsnRequest.NONE, Map.of());
    }

    /**
     * As {@link #send(ReversePath, List, long)}, passing on the DSN parameters (RFC 3461 §5.2): RET and
     * ENVID on MAIL, each recipient's NOTIFY and ORCPT on its RCPT, when the server offers DSN.
     */
    public Step send(ReversePath sender, List<MailAddress> to, long size, DsnRequest dsn,
                     Map<MailAddress, RecipientDsn> perRecipient) {
        return send(sender, to, size, MessageEncoding.PLAIN, null, dsn, perRecipient);
    }

    /** Both of the above: the content's encoding and the DSN parameters. */
    public Step send(ReversePath sender, List<MailAddress> to, long size, MessageEncoding encoding,
                     NextHopEncoding.Content content, DsnRequest dsn, Map<MailAddress, RecipientDsn> perRecipient) {
        return send(sender, to, size, encoding, content, dsn, perRecipient, TlsRequirement.DEFAULT);
    }

    /**
     * As above, for a message that may require TLS (RFC 8689 §4.2.1): a {@link TlsRequirement#REQUIRETLS} message
     * goes only inside TLS to a server whose EHLO there advertised REQUIRETLS, with REQUIRETLS on its MAIL. Otherwise
     * nothing is sent and every recipient gets the status RFC 8689 §4.2.1 names: 5.7.10 without TLS, 5.7.30 without
     * REQUIRETLS. Whether the certificate was verified is not the dialogue's to know: the session checks that first.
     */
    public Step send(ReversePath sender, List<MailAddress> to, long size, MessageEncoding encoding,
                     NextHopEncoding.Content content, DsnRequest dsn, Map<MailAddress, RecipientDsn> perRecipient,
                     TlsRequirement tls) {
        requireReady();
        List<MailAddress> unique = List.copyOf(new LinkedHashSet<>(to));
        if (unique.isEmpty()) {
            throw new IllegalArgumentException("a transaction needs a recipient");
        }
        if (!fits(size)) {
            SmtpReply tooBig = SmtpReply.of(552, "5.3.4", "Message size " + size
                    + " exceeds the fixed maximum message size " + capabilities.sizeLimit().getAsLong() + " of "
                    + serverName);
            return everyRecipient(unique, tooBig);
        }
        if (tls == TlsRequirement.REQUIRETLS && !encrypted) {
            return everyRecipient(unique, requireTlsRefusal("5.7.10", "no TLS session with " + serverName));
        }
        if (tls == TlsRequirement.REQUIRETLS && !capabilities.has(TlsRequirement.KEYWORD)) {
            return everyRecipient(unique, requireTlsRefusal("5.7.30", serverName + " does not offer REQUIRETLS"));
        }
        NextHopEncoding.Decision decision = NextHopEncoding.decide(encoding, sender, unique, capabilities, content,
                serverName);
        if (decision instanceof NextHopEncoding.Decision.Refuse refuse) {
            return everyRecipient(unique, refuse.reply());
        }
        ready = false;
        recipients = unique;
        recipientDsn = capabilities.has("DSN") ? Map.copyOf(perRecipient) : Map.of();
        pipelined = capabilities.pipelining();
        chunking = capabilities.chunking();
        this.size = size;
        chunked = 0;
        mailReply = null;
        rcptReplies.clear();
        List<String> lines = new ArrayList<>();
        lines.add("MAIL FROM:" + sender.bracketed() + (capabilities.size() ? " SIZE=" + size : "")
                + ((NextHopEncoding.Decision.Send) decision).mailParameters()
                + (capabilities.has("DSN") ? dsn.parameters() : "")
                + (tls == TlsRequirement.REQUIRETLS ? " " + TlsRequirement.KEYWORD : ""));
        if (pipelined) {
            recipients.forEach(recipient -> lines.add(rcpt(recipient)));
            if (!chunking) {
                lines.add("DATA"); // BDAT chunks follow only once a recipient is accepted
            }
        }
        return write(lines, Stage.MAIL);
    }

    /**
     * Why a REQUIRETLS message was not offered (RFC 8689 §4.2.1), as the reply that decides each of its recipients: a
     * permanent failure, so the sender learns of it at once rather than after the queue lifetime.
     */
    public static SmtpReply requireTlsRefusal(String status, String why) {
        return SmtpReply.of(550, status, "REQUIRETLS: not sent, " + why);
    }

    /** A transaction not offered: the same reply decides every recipient. */
    private static Step everyRecipient(List<MailAddress> recipients, SmtpReply reply) {
        Map<MailAddress, SmtpReply> replies = new LinkedHashMap<>();
        recipients.forEach(recipient -> replies.put(recipient, reply));
        return new Step.Report(replies);
    }

    /** RSET: ends any transaction. A reply other than 2xx fails the session. */
    public Step reset() {
        requireReady();
        ready = false;
        return write(List.of("RSET"), Stage.RSET);
    }

    /** QUIT, at any point: whatever comes back, if anything, the next step is to close. */
    public Step.Write quit() {
        ready = false;
        return write(List.of("QUIT"), Stage.QUIT);
    }

    /** The TLS handshake a {@link Step.Handshake} asked for is done: everything from here on is encrypted. */
    public Step onTlsStarted() {
        Stage stage = expected("TLS");
        if (stage == Stage.QUIT) {
            return close();
        }
        if (stage != Stage.TLS) {
            return fail(new Failure.Violation("TLS started unasked while waiting for " + stage), false);
        }
        encrypted = true;
        return ehlo();
    }

    /** The server's reply to what the last step awaited. */
    public Step onReply(SmtpReply reply) {
        Stage stage = expected(reply);
        if (reply.code() == 421 && stage != Stage.TLS && stage != Stage.QUIT) {
            return fail(new Failure.Rejected(stage, reply), false); // the server is going away
        }
        return switch (stage) {
            case GREETING -> onGreeting(reply);
            case EHLO -> onEhlo(reply);
            case HELO -> onHelo(reply);
            case STARTTLS -> onStartTls(reply);
            case TLS -> await(Stage.TLS); // in clear after the 220 to STARTTLS: injected on the way (CVE-2011-0411)
            case MAIL -> onMail(reply);
            case RCPT -> onRcpt(reply);
            case DATA -> conclude(reply);
            case END_OF_DATA -> onEndOfData(reply);
            case BDAT -> onChunkReply(reply);
            case RSET -> reply.code() / 100 == 2 ? ready() : fail(new Failure.Rejected(stage, reply), false);
            case QUIT -> close();
        };
    }

    // ------------------------------------------------------------------ opening

    private Step onGreeting(SmtpReply reply) {
        greeting = reply;
        // RFC 5321 §3.1: QUIT even after a 554 greeting
        return reply.code() == 220 ? ehlo() : fail(new Failure.Rejected(Stage.GREETING, reply), true);
    }

    private Step ehlo() {
        return write(List.of("EHLO " + heloName), Stage.EHLO);
    }

    private Step onEhlo(SmtpReply reply) {
        if (reply.code() / 100 == 2) {
            return greeted(EhloCapabilities.parse(reply));
        }
        if (!reply.isPermanentFailure()) {
            return fail(new Failure.Rejected(Stage.EHLO, reply), true);
        }
        return write(List.of("HELO " + heloName), Stage.HELO);
    }

    private Step onHelo(SmtpReply reply) {
        return reply.code() / 100 == 2
                ? greeted(EhloCapabilities.none(reply.firstWord()))
                : fail(new Failure.Rejected(Stage.HELO, reply), true);
    }

    /** EHLO or HELO answered: STARTTLS next, or ready. */
    private Step greeted(EhloCapabilities offered) {
        capabilities = offered;
        if (encrypted || startTls == StartTls.NEVER) {
            return ready();
        }
        if (!offered.startTls()) {
            return startTls == StartTls.REQUIRED ? fail(new Failure.NoTls(null), true) : ready();
        }
        return write(List.of("STARTTLS"), Stage.STARTTLS);
    }

    private Step onStartTls(SmtpReply reply) {
        if (reply.code() != 220) {
            return startTls == StartTls.REQUIRED ? fail(new Failure.NoTls(reply), true) : ready();
        }
        awaiting = Stage.TLS;
        return new Step.Handshake();
    }

    // ------------------------------------------------------------------ a transaction

    private Step onMail(SmtpReply reply) {
        mailReply = reply;
        if (pipelined) {
            return await(Stage.RCPT);
        }
        return reply.isPositive() ? write(List.of(rcpt(recipients.get(0))), Stage.RCPT) : conclude(null);
    }

    private Step onRcpt(SmtpReply reply) {
        rcptReplies.add(reply);
        if (rcptReplies.size() < recipients.size()) {
            return pipelined ? await(Stage.RCPT) : write(List.of(rcpt(recipients.get(rcptReplies.size()))), Stage.RCPT);
        }
        if (chunking) {
            decide();
            return accepted.isEmpty() ? report() : nextChunk();
        }
        if (pipelined) {
            return await(Stage.DATA);
        }
        return rcptReplies.stream().anyMatch(SmtpReply::isPositive) ? write(List.of("DATA"), Stage.DATA) : conclude(null);
    }

    /**
     * RFC 3030 §2: the content in chunks, each sent after the reply to the one before (so a
     * refused chunk is the last one sent); the last chunk says LAST, and a message of no octets
     * is a lone {@code BDAT 0 LAST}.
     */
    private Step nextChunk() {
        long length = Math.min(chunkSize, size - chunked);
        long offset = chunked;
        chunked += length;
        awaiting = Stage.BDAT;
        return new Step.SendChunk(offset, length, chunked == size);
    }

    /** A chunk's reply: the next chunk after a 2xx, else the reply decides every accepted recipient. */
    private Step onChunkReply(SmtpReply reply) {
        if (reply.code() / 100 == 2 && chunked < size) {
            return nextChunk();
        }
        if (reply.code() / 100 != 2 && reply.isPositive()) {
            return fail(new Failure.Violation("BDAT answered " + reply), false);
        }
        return onEndOfData(reply);
    }

    /**
     * Decides every recipient from the replies so far: MAIL's rejection for all, otherwise
     * each RCPT's. After a 354 the data follows — the message when a recipient was accepted,
     * otherwise only the dot (a server that answers DATA with 354 despite no valid recipient
     * still needs its data phase ended); a DATA rejection decides the accepted recipients.
     *
     * @param dataReply null when DATA was not sent
     */
    private Step conclude(SmtpReply dataReply) {
        decide();
        if (dataReply == null) {
            return report();
        }
        if (dataReply.code() == 354) {
            if (accepted.isEmpty()) {
                return write(List.of("."), Stage.END_OF_DATA);
            }
            awaiting = Stage.END_OF_DATA;
            return new Step.SendContent();
        }
        if (dataReply.isPositive()) {
            return fail(new Failure.Violation("DATA answered " + dataReply + " instead of 354"), false);
        }
        accepted.forEach(recipient -> decided.put(recipient, dataReply));
        return report();
    }

    /** Each recipient's reply so far: MAIL's rejection for all, otherwise its RCPT's. */
    private void decide() {
        decided = new LinkedHashMap<>();
        accepted = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            SmtpReply reply = mailReply.isPositive() ? rcptReplies.get(i) : mailReply;
            decided.put(recipients.get(i), reply);
            if (reply.isPositive()) {
                accepted.add(recipients.get(i));
            }
        }
    }

    /** The final reply decides every accepted recipient (none after an empty data phase). */
    private Step onEndOfData(SmtpReply reply) {
        accepted.forEach(recipient -> decided.put(recipient, reply));
        return report();
    }

    private String rcpt(MailAddress recipient) {
        return "RCPT TO:<" + recipient + ">" + recipientDsn.getOrDefault(recipient, RecipientDsn.NONE).parameters();
    }

    // ------------------------------------------------------------------ bookkeeping

    private Step.Write write(List<String> lines, Stage stage) {
        awaiting = stage;
        return new Step.Write(lines, stage);
    }

    private Step await(Stage stage) {
        awaiting = stage;
        return new Step.Await(stage);
    }

    private Step ready() {
        ready = true;
        return READY;
    }

    private Step report() {
        ready = true;
        return new Step.Report(decided);
    }

    private Step close() {
        ended = true;
        return new Step.Close();
    }

    private Step fail(Failure failure, boolean quit) {
        ended = true;
        ready = false;
        return new Step.Fail(failure, quit);
    }

    /** What was awaited: it has come. */
    private Stage expected(Object event) {
        Stage stage = awaiting;
        if (stage == null) {
            throw new IllegalStateException("nothing awaited, yet came: " + event);
        }
        awaiting = null;
        return stage;
    }

    private void requireReady() {
        if (!ready || ended) {
            throw new IllegalStateException(ended ? "the conversation is over" : "not ready for a new command");
        }
    }
}
