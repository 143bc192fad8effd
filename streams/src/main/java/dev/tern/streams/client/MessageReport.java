package dev.tern.streams.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.SmtpReply;

/**
 * The outcome of one {@link SmtpClientSession#send}: for every recipient, the reply that
 * decided it — the final reply after the data for accepted recipients, the RCPT (or MAIL, or
 * DATA) rejection otherwise, or a synthesized reply when the client decided on its own
 * (552 5.3.4 for a message over the server's SIZE limit).
 *
 * @param replies in the order of the message's recipients
 */
public record MessageReport(Map<MailAddress, SmtpReply> replies) {

    public MessageReport {
        replies = Collections.unmodifiableMap(new LinkedHashMap<>(replies));
    }

    public SmtpReply replyFor(MailAddress recipient) {
        return replies.get(recipient);
    }

    /** Recipients whose deciding reply was positive: the server took responsibility. */
    public List<MailAddress> delivered() {
        return replies.entrySet().stream().filter(e -> e.getValue().isPositive()).map(Map.Entry::getKey).toList();
    }
}
