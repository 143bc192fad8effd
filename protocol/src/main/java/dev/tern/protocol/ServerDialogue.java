package dev.tern.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        CLOSE
    }

    /** The outcome of one command. */
    public record Step(SessionState state, List<SmtpReply> replies, Action action) {
        public Step {
            replies = List.copyOf(replies);
        }

        public SmtpReply reply() {
            return replies.get(replies.size() - 1);
        }
    }

    private final SessionSettings settings;
    private final RecipientPolicy recipients;

    public ServerDialogue(SessionSettings settings, RecipientPolicy recipients) {
        this.settings = settings;
        this.recipients = recipients;
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

    /** RFC 5321 has no limit, but a client that keeps making protocol errors is not a mail client. */
    private Step countErrors(Step step) {
        int code = step.reply().code();
        boolean protocolError = (code >= 500 && code <= 504) || code == 555;
        if (!protocolError) {
            return step.state().errorsInARow() == 0 ? step
                    : new Step(step.state().withErrors(0), step.replies(), step.action());
        }
        int errors = step.state().errorsInARow() + 1;
        if (errors >= settings.maxErrors()) {
            List<SmtpReply> replies = new ArrayList<>(step.replies());
            replies.add(Replies.TOO_MANY_ERRORS);
            return new Step(step.state().withErrors(errors), replies, Action.CLOSE);
        }
        return new Step(step.state().withErrors(errors), step.replies(), step.action());
    }

    private Step answer(SessionState state, SmtpCommand command) {
        if (command instanceof SmtpCommand.Ehlo ehlo) {
            return reply(new SessionState(ehlo.domain(), true, null, state.errorsInARow()), ehloReply());
        }
        if (command instanceof SmtpCommand.Helo helo) {
            return reply(new SessionState(helo.domain(), false, null, state.errorsInARow()),
                    SmtpReply.of(250, null, settings.hostname()));
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
                    "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT",
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

    private SmtpReply ehloReply() {
        return new SmtpReply(250, null, List.of(
                settings.hostname(),
                "PIPELINING",
                "SIZE " + settings.maxMessageSize(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES"));
    }

    private Step onMail(SessionState state, SmtpCommand.Mail mail) {
        if (!state.greeted()) {
            return reply(state, Replies.SEND_HELO_FIRST);
        }
        if (state.transaction() != null) {
            return reply(state, Replies.NESTED_MAIL);
        }
        for (Map.Entry<String, String> parameter : mail.parameters().entrySet()) {
            SmtpReply problem = checkMailParameter(state, parameter.getKey(), parameter.getValue());
            if (problem != null) {
                return reply(state, problem);
            }
        }
        return reply(state.withTransaction(Transaction.from(mail.from())), Replies.SENDER_OK);
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
            case "BODY": // RFC 6152
                return "7BIT".equalsIgnoreCase(value) || "8BITMIME".equalsIgnoreCase(value)
                        ? null : Replies.syntax("BODY=7BIT|8BITMIME");
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
        if (!rcpt.parameters().isEmpty()) {
            return reply(state, Replies.unsupportedParameter(rcpt.parameters().keySet().iterator().next()));
        }
        if (transaction.recipients().size() >= settings.maxRecipients()) {
            return reply(state, Replies.TOO_MANY_RECIPIENTS);
        }
        RecipientPolicy.Verdict verdict = recipients.check(rcpt.to());
        if (verdict instanceof RecipientPolicy.Accepted accepted) {
            return reply(state.withTransaction(transaction.with(accepted.recipient())), Replies.RECIPIENT_OK);
        }
        return reply(state, ((RecipientPolicy.Rejected) verdict).reply());
    }

    private Step onData(SessionState state) {
        if (!state.greeted()) {
            return reply(state, Replies.SEND_HELO_FIRST);
        }
        Transaction transaction = state.transaction();
        if (transaction == null) {
            return reply(state, Replies.NEED_MAIL);
        }
        if (transaction.recipients().isEmpty()) {
            // RFC 2920 §3.1: with pipelining the RCPTs may all have failed; say so plainly
            return reply(state, Replies.NO_VALID_RECIPIENTS);
        }
        return new Step(state, List.of(Replies.START_MAIL_INPUT), Action.RECEIVE_DATA);
    }

    private static Step reply(SessionState state, SmtpReply reply) {
        return new Step(state, List.of(reply), Action.CONTINUE);
    }
}
