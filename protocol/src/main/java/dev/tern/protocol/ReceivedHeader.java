package dev.tern.protocol;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The trace fields a receiving server prepends: RFC 5321 §4.4 Received: and Return-Path:. */
public final class ReceivedHeader {

    /** RFC 5322 §3.3 date-time, e.g. {@code Mon, 23 Nov 2026 16:30:43 +0000}. */
    public static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private ReceivedHeader() {
    }

    /**
     * @param clientName  the HELO/EHLO argument
     * @param peerAddress the client's IP address as text
     * @param protocol    {@code SMTP}, {@code ESMTP} (RFC 3848 with-protocol)
     * @param recipients  the envelope recipients; named only when there is one, so that one
     *                    copy does not disclose the others (as Postfix does)
     */
    public static String received(String clientName, String peerAddress, String hostname, String protocol,
                                  String messageId, List<MailAddress> recipients, ZonedDateTime when) {
        return received(clientName, peerAddress, hostname, protocol, null, null, messageId, recipients, when);
    }

    /**
     * @param tls  the session's TLS layer, named in a comment, or {@code null}
     * @param user the authenticated user, named in a comment, or {@code null}
     */
    public static String received(String clientName, String peerAddress, String hostname, String protocol,
                                  TlsSession tls, String user, String messageId, List<MailAddress> recipients,
                                  ZonedDateTime when) {
        StringBuilder header = new StringBuilder(256)
                .append("Received: from ").append(sanitize(clientName))
                .append(" ([").append(peerAddress).append("])\r\n");
        if (tls != null) {
            header.append("\t(using ").append(tls.protocol()).append(" with cipher ").append(tls.cipherSuite())
                    .append(")\r\n");
        }
        if (user != null) {
            header.append("\t(authenticated as ").append(sanitize(user)).append(")\r\n");
        }
        header.append("\tby ").append(hostname).append(" (Tern) with ").append(protocol)
                .append(" id ").append(messageId);
        if (recipients.size() == 1) {
            header.append("\r\n\tfor <").append(recipients.get(0)).append('>');
        }
        return header.append("; ").append(RFC5322_DATE.format(when)).append("\r\n").toString();
    }

    public static String returnPath(ReversePath sender) {
        return "Return-Path: " + sender.bracketed() + "\r\n";
    }

    /** The HELO name is client-chosen text: keep it to printable ASCII without comment delimiters. */
    static String sanitize(String clientName) {
        StringBuilder clean = new StringBuilder(clientName.length());
        for (int i = 0; i < clientName.length() && clean.length() < 255; i++) {
            char c = clientName.charAt(i);
            clean.append(c > 32 && c < 127 && c != '(' && c != ')' && c != '\\' ? c : '?');
        }
        return clean.toString();
    }
}
