package dev.tern.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The RFC 5321 server state machine: given where a session stands and the next command,
 * what it replies and where it goes next. Pure: no I/O, no clock, no threads.
 */
public final class ServerDialogue {

    /** What the session does after sending the replies of a {@link Step}. */
    public enum Action {
        /** read the next command */
        CONTINUE,
        /** the 354 was sent: what follows is message content */
        RECEIVE_DATA,
        /** close the connection */
        CLOSE,
        /** the 220 to STARTTLS: switch the connection to TLS (RFC 3207) */
        START_TLS,
        /** verify the step's credentials, then call {@link #authenticated} */
        AUTHENTICATE,
        /**
         * RFC 3030 BDAT accepted: read the chunk's octets into the message, then send the step's
         * replies (none for the last chunk: the message is stored first, then answered)
         */
        RECEIVE_CHUNK,
        /** BDAT refused: read the chunk's octets and drop them (RFC 3030 §2), then send the step's replies */
        DISCARD_CHUNK
    }

    /**
     * The outcome of one command.
     *
     * @param credentials what to verify when the action is {@link Action#AUTHENTICATE}, else {@code null}
     */
    public record Step(SessionState state, List<SmtpReply> replies, Action action,
                       AuthExchange.Credentials credentials) {
        public Step {
            replies = List.copyOf(replies);
        }

        public Step(SessionState state, List<SmtpReply> replies, Action action) {
            this(state, replies, action, null);
        }

        public SmtpReply reply() {
            return replies.get(replies.size() - 1);
        }
    }

    private static final String USERNAME_PROMPT = "VXNlcm5hbWU6"; // base64 "Username:"
    private static final String PASSWORD_PROMPT = "UGFzc3dvcmQ6"; // base64 "Password:"

    private final SessionSettings settings;
    private final RecipientPolicy recipients;
    private final SenderPolicy senders;
    private final StorageSpace space;

    public ServerDialogue(SessionSettings settings, RecipientPolicy recipients, SenderPolicy senders,
                          StorageSpace space) {
        this.settings = settings;
        this.recipients = recipients;
        this.senders = senders;
        this.space = space;
    }

    /** A dialogue that takes mail from any sender, authenticated or not. */
    public ServerDialogue(SessionSettings settings, RecipientPolicy recipients, StorageSpace space) {
        this(settings, recipients, SenderPolicy.ANYONE, space);
    }

    /** A dialogue that never finds storage low. */
    public ServerDialogue(SessionSettings settings, RecipientPolicy recipients) {
        this(settings, recipients, StorageSpace.UNLIMITED);
    }

    public SmtpReply greeting() {
        return Replies.greeting(settings.hostname());
    }

    public Step onCommand(SessionState state, SmtpCommand command) {
        if (command instanceof SmtpCommand.HttpRequest) {
            return new Step(state, List.of(Replies.HTTP_REJECTED), Action.CLOSE);
        }
        if (command instanceof SmtpCommand.Quit) {
            return new Step(state, List.of(Replies.BYE), Action.CLOSE);
        }
        Step step = answer(state, command);
        return countErrors(step);
    }

    /** A line sent while an AUTH exchange is open: the client's response, not a command. */
    public Step onAuthResponse(SessionState state, String line) {
        AuthExchange exchange = state.auth();
        SessionState closed = state.withAuth(null);
        if (AuthExchange.isCancel(line)) {
            return countErrors(reply(closed, Replies.AUTH_CANCELLED));
        }
        byte[] decoded = AuthExchange.decode(line);
        if (decoded == null) {
            return countErrors(reply(closed, Replies.AUTH_BAD_BASE64));
        }
        if (exchange.mechanism() == AuthExchange.Mechanism.LOGIN && exchange.username() == null) {
            return reply(state.withAuth(new AuthExchange(AuthExchange.Mechanism.LOGIN,
                    new String(decoded, StandardCharsets.UTF_8))), Replies.challenge(PASSWORD_PROMPT));
        }
        AuthExchange.Credentials credentials = exchange.mechanism() == AuthExchange.Mechanism.PLAIN
                ? AuthExchange.plain(decoded)
                : new AuthExchange.Credentials(exchange.username(), decoded);
        return verify(closed, credentials);
    }

    /** The verdict on credentials an {@link Action#AUTHENTICATE} step asked to verify. */
    public Step authenticated(SessionState state, String user, AuthOutcome outcome) {
        return switch (outcome) {
            case VALID -> reply(state.authenticatedAs(user), Replies.AUTH_SUCCEEDED);
            case INVALID -> reply(state, Replies.AUTH_FAILED);
            case TEMPORARILY_UNAVAILABLE -> reply(state, Replies.AUTH_UNAVAILABLE);
        };
    }

    private static Step verify(SessionState state, AuthExchange.Credentials credentials) {
        if (credentials == null || credentials.username().isEmpty()) {
            return reply(state, Replies.AUTH_FAILED);
        }
        return new Step(state, List.of(), Action.AUTHENTICATE, credentials);
    }

    /** RFC 5321 has no limit, but a client that keeps making protocol errors is not a mail client. */
    private Step countErrors(Step step) {
        if (step.replies().isEmpty()) {
            return step;
        }
        int code = step.reply().code();
        boolean protocolError = (code >= 500 && code <= 504) || code == 555;
        if (!protocolError) {
            return step.state().errorsInARow() == 0 ? step
                    : new Step(step.state().withErrors(0), step.replies(), step.action(), step.credentials());
        }
        int errors = step.state().errorsInARow() + 1;
        if (errors >= settings.maxErrors()) {
            List<SmtpReply> replies = new ArrayList<>(step.replies());
            replies.add(Replies.TOO_MANY_ERRORS);
            return new Step(step.state().withErrors(errors), replies, Action.CLOSE);
        }
        return new Step(step.state().withErrors(errors), step.replies(), step.action(), step.credentials());
    }

    private Step answer(SessionState state, SmtpCommand command) {
        if (command instanceof SmtpCommand.Ehlo ehlo) {
            return reply(state.greeted(ehlo.domain(), true), ehloReply(state));
        }
        if (command instanceof SmtpCommand.Helo helo) {
            return reply(state.greeted(helo.domain(), false), SmtpReply.of(250, null, settings.hostname()));
        }
        if (command instanceof SmtpCommand.StartTls) {
            return onStartTls(state);
        }
        if (command instanceof SmtpCommand.Auth auth) {
            return onAuth(state, auth);
        }
        if (command instanceof SmtpCommand.Mail mail) {
            return onMail(state, mail);
        }
        if (command instanceof SmtpCommand.Rcpt rcpt) {
            return onRcpt(state, rcpt);
        }
        if (command instanceof SmtpCommand.Data) {
            return onData(state);
        }
        if (command instanceof SmtpCommand.Bdat bdat) {
            return ChunkingRules.onBdat(settings, state, bdat);
        }
        if (command instanceof SmtpCommand.MalformedBdat malformed) {
            return new Step(state, List.of(malformed.reply()), Action.CLOSE);
        }
        if (command instanceof SmtpCommand.Rset) {
            return reply(state.withTransaction(null), Replies.OK);
        }
        if (command instanceof SmtpCommand.Noop) {
            return reply(state, Replies.OK);
        }
        if (command instanceof SmtpCommand.Vrfy) {
            // RFC 5321 §3.5.3: never confirm or deny users to a stranger
            return reply(state, Replies.CANNOT_VRFY);
        }
        if (command instanceof SmtpCommand.Help) {
            return reply(state, new SmtpReply(214, "2.0.0", List.of(
                    "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT STARTTLS AUTH",
                    "See RFC 5321")));
        }
        if (command instanceof SmtpCommand.NotImplemented) {
            return reply(state, Replies.NOT_IMPLEMENTED);
        }
        if (command instanceof SmtpCommand.Invalid invalid) {
            return reply(state, invalid.reply());
        }
        return reply(state, Replies.COMMAND_UNRECOGNIZED);
    }

    private SmtpReply ehloReply(SessionState state) {
        List<String> lines = new ArrayList<>(List.of(
                settings.hostname(),
                "PIPELINING",
                "SIZE " + settings.maxMessageSize(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8", // RFC 6531 §3.1
                "DSN", // RFC 3461
                "CHUNKING", // RFC 3030
                "BINARYMIME"));
        if (!state.encrypted() && settings.startTls() == SessionSettings.StartTls.OFFERED) {
            lines.add("STARTTLS");
        }
        if (state.encrypted()) {
            lines.add(TlsRequirement.KEYWORD); // RFC 8689 §2: offered only once TLS is up
            lines.add("AUTH PLAIN LOGIN"); // RFC 4954 §4: plaintext mechanisms only where encrypted
        }
        return new SmtpReply(250, null, lines);
    }

    private Step onStartTls(SessionState state) {
        if (state.encrypted()) {
            return reply(state, Replies.TLS_ALREADY_ACTIVE);
        }
        if (settings.startTls() != SessionSettings.StartTls.OFFERED) {
            return reply(state, Replies.NOT_IMPLEMENTED);
        }
        if (!state.greeted()) {
            return reply(state, Replies.SEND_HELO_FIRST);
        }
        return new Step(state, List.of(Replies.READY_TO_START_TLS), Action.START_TLS);
    }

    private Step onAuth(SessionState state, SmtpCommand.Auth auth) {
        if (!state.greeted()) {
            return reply(state, Replies.SEND_HELO_FIRST);
        }
        if (!state.encrypted()) {
            return reply(state, Replies.ENCRYPTION_REQUIRED);
        }
        if (state.authenticated()) {
            return reply(state, Replies.ALREADY_AUTHENTICATED);
        }
        if (state.transaction() != null) {
            return reply(state, Replies.AUTH_DURING_MAIL);
        }
        AuthExchange.Mechanism mechanism;
        try {
            mechanism = AuthExchange.Mechanism.valueOf(auth.mechanism());
        } catch (IllegalArgumentException unknown) {
            return reply(state, Replies.AUTH_UNSUPPORTED);
        }
        SessionState open = state.withAuth(new AuthExchange(mechanism, null));
        if (auth.initialResponse() != null) {
            return onAuthResponse(open, auth.initialResponse());
        }
        return reply(open, Replies.challenge(mechanism == AuthExchange.Mechanism.PLAIN ? "" : USERNAME_PROMPT));
    }

    private Step onMail(SessionState state, SmtpCommand.Mail mail) {
        if (!state.greeted()) {
            return reply(state, Replies.SEND_HELO_FIRST);
        }
        if (state.transaction() != null) {
            return reply(state, Replies.NESTED_MAIL);
        }
        Optional<SmtpReply> refusal = senders.refusal(mail.from(), state.user());
        if (refusal.isPresent()) {
            return reply(state, refusal.get());
        }
        for (Map.Entry<String, String> parameter : mail.parameters().entrySet()) {
            SmtpReply problem = checkMailParameter(state, parameter.getKey(), parameter.getValue());
            if (problem != null) {
                return reply(state, problem);
            }
        }
        MessageEncoding encoding = MessageEncoding.of(mail.parameters());
        if (!encoding.smtpUtf8() && mail.from() instanceof ReversePath.Sender sender && !sender.address().isAscii()) {
            return reply(state, Replies.UTF8_ADDRESS_WITHOUT_SMTPUTF8); // RFC 6531 §3.5
        }
        // RFC 1870 §6.1: a declared size that does not fit now is a temporary 452, unlike one over the limit
        String size = mail.parameters().get("SIZE");
        if (space.low() || (size != null && !space.roomFor(Long.parseLong(size)))) {
            return reply(state, Replies.INSUFFICIENT_STORAGE);
        }
        TlsRequirement tls = mail.parameters().containsKey(TlsRequirement.KEYWORD)
                ? TlsRequirement.REQUIRETLS : TlsRequirement.DEFAULT; // RFC 8689 §4.1: tag the message
        return reply(state.withTransaction(Transaction.from(mail.from(), encoding)
                        .withDsn(DsnParameters.mail(mail.parameters())).withTls(tls)),
                Replies.SENDER_OK);
    }

    private SmtpReply checkMailParameter(SessionState state, String key, String value) {
        if (!state.extended()) {
            return Replies.unsupportedParameter(key); // RFC 1869: parameters need EHLO
        }
        switch (key) {
            case "SIZE": // RFC 1870
                if (value == null || !value.matches("[0-9]{1,18}")) {
                    return Replies.syntax("SIZE=<octets>");
                }
                return Long.parseLong(value) > settings.maxMessageSize() ? Replies.MESSAGE_TOO_BIG : null;
            case "BODY": // RFC 6152, RFC 3030 §3
                return BodyType.parse(value).isPresent() ? null : Replies.syntax("BODY=7BIT|8BITMIME|BINARYMIME");
            case "SMTPUTF8": // RFC 6531 §3.4: a bare keyword
                return value == null ? null : Replies.syntax("SMTPUTF8");
            case TlsRequirement.KEYWORD: // RFC 8689 §2: a bare keyword, taken only inside TLS
                if (value != null) {
                    return Replies.syntax(TlsRequirement.KEYWORD);
                }
                return state.encrypted() ? null : Replies.REQUIRETLS_NEEDS_TLS;
            case "RET": // RFC 3461 §4.3
            case "ENVID": // RFC 3461 §4.4
                return DsnParameters.mailProblem(key, value);
            default:
                return Replies.unsupportedParameter(key);
        }
    }

    private Step onRcpt(SessionState state, SmtpCommand.Rcpt rcpt) {
        if (!state.greeted()) {
            return reply(state, Replies.SEND_HELO_FIRST);
        }
        Transaction transaction = state.transaction();
        if (transaction == null) {
            return reply(state, Replies.NEED_MAIL);
        }
        if (transaction.chunks() != null) {
            return reply(state, Replies.RCPT_AFTER_BDAT);
        }
        if (!rcpt.parameters().isEmpty() && !state.extended()) {
            return reply(state, Replies.unsupportedParameter(rcpt.parameters().keySet().iterator().next()));
        }
        if (!transaction.encoding().smtpUtf8() && rcpt.to() instanceof Recipient.MailboxPath mailbox
                && !mailbox.address().isAscii()) {
            return reply(state, Replies.UTF8_ADDRESS_WITHOUT_SMTPUTF8); // RFC 6531 §3.5
        }
        DsnParameters.Checked dsn = DsnParameters.recipient(rcpt.parameters()); // RFC 3461 §4.1, §4.2
        if (dsn.problem() != null) {
            return reply(state, dsn.problem());
        }
        if (transaction.recipients().size() >= settings.maxRecipients()) {
            return reply(state, Replies.TOO_MANY_RECIPIENTS);
        }
        RecipientPolicy.Verdict verdict = recipients.check(rcpt.to(), state.authenticated());
        if (verdict instanceof RecipientPolicy.Accepted accepted) {
            return reply(state.withTransaction(transaction.with(accepted.recipient().withDsn(dsn.dsn()))),
                    Replies.RECIPIENT_OK);
        }
        return reply(state, ((RecipientPolicy.Rejected) verdict).reply());
    }

    /**
     * Why message content cannot start now (DATA, or BDAT's first chunk), or {@code null} when it can: no
     * EHLO, no MAIL, or no recipient.
     */
    static SmtpReply noTransactionForContent(SessionState state) {
        if (!state.greeted()) {
            return Replies.SEND_HELO_FIRST;
        }
        if (state.transaction() == null) {
            return Replies.NEED_MAIL;
        }
        // RFC 2920 §3.1: with pipelining the RCPTs may all have failed; say so plainly
        return state.transaction().recipients().isEmpty() ? Replies.NO_VALID_RECIPIENTS : null;
    }

    private Step onData(SessionState state) {
        SmtpReply notYet = noTransactionForContent(state);
        if (notYet != null) {
            return reply(state, notYet);
        }
        Transaction transaction = state.transaction();
        if (transaction.chunks() != null) {
            return reply(state, Replies.DATA_AFTER_BDAT); // RFC 3030 §2; the transaction needs RSET
        }
        if (transaction.encoding().body() == BodyType.BINARY_MIME) {
            return reply(state, Replies.BINARYMIME_NEEDS_BDAT); // RFC 3030 §3: binary content has no DATA framing
        }
        return new Step(state, List.of(Replies.START_MAIL_INPUT), Action.RECEIVE_DATA);
    }

    private static Step reply(SessionState state, SmtpReply reply) {
        return new Step(state, List.of(reply), Action.CONTINUE);
    }
}
