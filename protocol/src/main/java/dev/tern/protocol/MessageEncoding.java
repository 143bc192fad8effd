package dev.tern.protocol;

import java.util.Map;
import java.util.Objects;

/**
 * What the MAIL command declared about a message's octets, carried from the transaction to the
 * queue and the next hop.
 *
 * @param body     the {@code BODY=} parameter (RFC 6152, RFC 3030), {@link BodyType#SEVEN_BIT} when absent
 * @param smtpUtf8 whether MAIL carried {@code SMTPUTF8} (RFC 6531 §3.4): addresses and headers may be UTF-8
 */
public record MessageEncoding(BodyType body, boolean smtpUtf8) {

    /** A MAIL without {@code BODY=} or {@code SMTPUTF8}: what every message was before these extensions. */
    public static final MessageEncoding PLAIN = new MessageEncoding(BodyType.SEVEN_BIT, false);

    public MessageEncoding {
        Objects.requireNonNull(body, "body");
    }

    /** From MAIL's parameters, once {@link ServerDialogue} has checked them (an unknown BODY reads as 7BIT). */
    public static MessageEncoding of(Map<String, String> mailParameters) {
        return new MessageEncoding(BodyType.parse(mailParameters.get("BODY")).orElse(BodyType.SEVEN_BIT),
                mailParameters.containsKey("SMTPUTF8"));
    }
}
