package dev.tern.protocol;

import java.util.List;

/**
 * What a message's encoding asks of the next hop: the MAIL FROM parameters to pass on, or the
 * reason it cannot go there at all. Tern converts nothing: a message the next hop cannot take
 * as it is fails for its recipients (a bounce), as RFC 6531 §3.2 requires for SMTPUTF8 and as
 * Tern chooses for 8-bit and binary content (no quoted-printable downgrade, ARCHITECTURE.md).
 */
public final class NextHopEncoding {

    /** What only the message file can tell; asked only when the next hop lacks an extension. */
    public interface Content {
        /** Whether the header section (up to the first empty line) holds an octet above 127. */
        boolean headerSectionHasEightBit();

        /** Whether any octet of the message is above 127. */
        boolean hasEightBit();
    }

    /** The verdict for one message and one next hop. */
    public sealed interface Decision {
        /** Send it, with these parameters after {@code MAIL FROM:<...>} (each with its leading space). */
        record Send(String mailParameters) implements Decision {
        }

        /** Do not offer it: every recipient gets {@code reply}, a permanent failure. */
        record Refuse(SmtpReply reply) implements Decision {
        }
    }

    private NextHopEncoding() {
    }

    public static Decision decide(MessageEncoding encoding, ReversePath sender, List<MailAddress> recipients,
                                  EhloCapabilities offered, Content content, String serverName) {
        StringBuilder parameters = new StringBuilder();
        switch (encoding.body()) {
            case SEVEN_BIT:
                break;
            case EIGHT_BIT_MIME:
                if (offered.eightBitMime()) {
                    parameters.append(" BODY=8BITMIME"); // RFC 6152 §3
                } else if (content.hasEightBit()) {
                    return new Decision.Refuse(Replies.nextHopLacks(serverName, "8BITMIME"));
                }
                break;
            case BINARY_MIME:
                // RFC 3030 §3: only to a server that offers both, and then only with BDAT
                if (!offered.has("BINARYMIME") || !offered.has("CHUNKING")) {
                    return new Decision.Refuse(Replies.nextHopLacks(serverName, "BINARYMIME"));
                }
                parameters.append(" BODY=BINARYMIME");
                break;
            default:
                throw new IllegalArgumentException(encoding.body().toString());
        }
        if (encoding.smtpUtf8()) {
            if (offered.has("SMTPUTF8")) {
                parameters.append(" SMTPUTF8"); // RFC 6531 §3.4
            } else if (needsSmtpUtf8(sender, recipients, content)) {
                return new Decision.Refuse(Replies.nextHopLacksSmtpUtf8(serverName)); // RFC 6531 §3.2
            }
        }
        return new Decision.Send(parameters.toString());
    }

    /**
     * RFC 6531 §3.2: a message flagged SMTPUTF8 needs it only when an envelope address or the
     * header section is not ASCII; one that is all ASCII goes as any other.
     */
    private static boolean needsSmtpUtf8(ReversePath sender, List<MailAddress> recipients, Content content) {
        if (sender instanceof ReversePath.Sender mailbox && !mailbox.address().isAscii()) {
            return true;
        }
        return recipients.stream().anyMatch(r -> !r.isAscii()) || content.headerSectionHasEightBit();
    }
}
