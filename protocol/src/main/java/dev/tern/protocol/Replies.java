package dev.tern.protocol;

/** The replies Tern gives, in one place, so that wording and status codes stay consistent. */
public final class Replies {
    private Replies() {
    }

    // Success (RFC 5321 §4.2.2)
    public static final SmtpReply OK = SmtpReply.of(250, "2.0.0", "Ok");
    public static final SmtpReply SENDER_OK = SmtpReply.of(250, "2.1.0", "Ok");
    public static final SmtpReply RECIPIENT_OK = SmtpReply.of(250, "2.1.5", "Ok");
    public static final SmtpReply START_MAIL_INPUT = SmtpReply.of(354, null, "End data with <CR><LF>.<CR><LF>");
    public static final SmtpReply BYE = SmtpReply.of(221, "2.0.0", "Bye");
    public static final SmtpReply CANNOT_VRFY = SmtpReply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static final SmtpReply READY_TO_START_TLS = SmtpReply.of(220, "2.0.0", "Ready to start TLS");
    public static final SmtpReply AUTH_SUCCEEDED = SmtpReply.of(235, "2.7.0", "Authentication successful");

    // Command syntax (RFC 5321 §4.2.2, 5yz)
    public static final SmtpReply COMMAND_UNRECOGNIZED = SmtpReply.of(500, "5.5.2", "Error: command not recognized");
    public static final SmtpReply LINE_TOO_LONG = SmtpReply.of(500, "5.5.2", "Error: line too long");
    public static final SmtpReply BARE_NEWLINE_IN_COMMAND = SmtpReply.of(500, "5.5.2", "Error: bare <CR> or <LF> received");
    public static final SmtpReply NOT_IMPLEMENTED = SmtpReply.of(502, "5.5.1", "Error: command not implemented");

    // Command sequence (RFC 5321 §4.1.4)
    public static final SmtpReply SEND_HELO_FIRST = SmtpReply.of(503, "5.5.1", "Error: send HELO/EHLO first");
    public static final SmtpReply NESTED_MAIL = SmtpReply.of(503, "5.5.1", "Error: nested MAIL command");
    public static final SmtpReply NEED_MAIL = SmtpReply.of(503, "5.5.1", "Error: need MAIL command");
    public static final SmtpReply NO_VALID_RECIPIENTS = SmtpReply.of(554, "5.5.1", "Error: no valid recipients");
    /** RFC 3030 §2: DATA and BDAT cannot be mixed in one transaction; Postfix's wording. */
    public static final SmtpReply DATA_AFTER_BDAT = SmtpReply.of(503, "5.5.1", "Error: DATA after BDAT");
    public static final SmtpReply RCPT_AFTER_BDAT = SmtpReply.of(503, "5.5.1", "Error: RCPT after BDAT");
    public static final SmtpReply TLS_ALREADY_ACTIVE = SmtpReply.of(503, "5.5.1", "Error: TLS already active");

    // SMTPUTF8 and body types (RFC 6531, RFC 3030)
    /** RFC 6531 §3.5: a UTF-8 address in a transaction whose MAIL did not say SMTPUTF8. */
    public static final SmtpReply UTF8_ADDRESS_WITHOUT_SMTPUTF8 = SmtpReply.of(553, "5.6.7", "Error: non-ASCII address requires the SMTPUTF8 parameter on MAIL");
    /** RFC 6531 §3.3: command lines are UTF-8; other 8-bit octets are not a command. */
    public static final SmtpReply COMMAND_NOT_UTF8 = SmtpReply.of(500, "5.5.2", "Error: command line is not valid UTF-8");
    /** RFC 3030 §3: BINARYMIME content cannot be sent with DATA. */
    public static final SmtpReply BINARYMIME_NEEDS_BDAT = SmtpReply.of(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT, not DATA");

    // Recipients and relaying
    public static final SmtpReply USER_UNKNOWN = SmtpReply.of(550, "5.1.1", "Error: recipient address rejected: user unknown in local recipient table");
    public static final SmtpReply RELAY_DENIED = SmtpReply.of(550, "5.7.1", "Error: relay access denied");
    public static final SmtpReply TOO_MANY_RECIPIENTS = SmtpReply.of(452, "4.5.3", "Error: too many recipients");

    // Message content (RFC 5321 §4.5.3.1, RFC 1870)
    public static final SmtpReply MESSAGE_TOO_BIG = SmtpReply.of(552, "5.3.4", "Error: message file too big");
    /** RFC 5321 §6.3 loop detection; RFC 3463 X.4.6 "routing loop detected". */
    public static final SmtpReply TOO_MANY_HOPS = SmtpReply.of(554, "5.4.6",
            "Error: too many hops (more than " + HopCount.LIMIT + " Received: fields): a mail loop?");
    public static final SmtpReply BARE_NEWLINE_IN_DATA = SmtpReply.of(550, "5.5.2", "Error: bare <CR> or <LF> received");
    /** RFC 3030 §2: the chunk size is unreadable, so the connection closes after this. */
    public static final SmtpReply BDAT_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: BDAT count [LAST]");
    public static final SmtpReply DATA_LINE_TOO_LONG = SmtpReply.of(500, "5.5.2", "Error: message line too long");

    // Storage
    /** RFC 3463 4.3.1 "mail system full", RFC 5321 §4.2.2 452; Postfix's wording. */
    public static final SmtpReply INSUFFICIENT_STORAGE = SmtpReply.of(452, "4.3.1", "Insufficient system storage");
    public static final SmtpReply STORAGE_FAILED = SmtpReply.of(451, "4.3.0", "Error: queue file write error, try again later");

    // Authentication (RFC 4954 §6)
    /**
     * RFC 8689 §2: REQUIRETLS is offered only inside TLS, so a MAIL that asks for it in clear is refused. 530 as
     * RFC 3207 §4 answers commands that need STARTTLS first; 5.7.10 "Encryption needed" (RFC 5248).
     */
    public static final SmtpReply REQUIRETLS_NEEDS_TLS = SmtpReply.of(530, "5.7.10",
            "REQUIRETLS needs an encrypted session: send STARTTLS first");
    public static final SmtpReply ENCRYPTION_REQUIRED = SmtpReply.of(538, "5.7.11", "Error: authentication requires an encrypted connection (STARTTLS)");
    public static final SmtpReply AUTH_FAILED = SmtpReply.of(535, "5.7.8", "Error: authentication failed");
    /** RFC 4954 §6: the server could not check the credentials now; the client may try again. */
    public static final SmtpReply AUTH_UNAVAILABLE = SmtpReply.of(454, "4.7.0", "Temporary authentication failure");
    public static final SmtpReply AUTH_CANCELLED = SmtpReply.of(501, "5.0.0", "Authentication cancelled");
    public static final SmtpReply AUTH_BAD_BASE64 = SmtpReply.of(501, "5.5.2", "Error: invalid base64 in response");
    public static final SmtpReply AUTH_UNSUPPORTED = SmtpReply.of(504, "5.5.4", "Error: unsupported authentication mechanism");
    public static final SmtpReply ALREADY_AUTHENTICATED = SmtpReply.of(503, "5.5.1", "Error: already authenticated");
    public static final SmtpReply AUTH_DURING_MAIL = SmtpReply.of(503, "5.5.1", "Error: MAIL transaction in progress");
    /** RFC 4954 §6: this listener takes mail only from authenticated users (submission, RFC 6409 §4.3). */
    public static final SmtpReply AUTH_REQUIRED = SmtpReply.of(530, "5.7.0", "Authentication required");

    // Closing the connection (421)
    public static final SmtpReply TOO_MANY_ERRORS = SmtpReply.of(421, "4.7.0", "Error: too many errors, closing connection");
    public static final SmtpReply HTTP_REJECTED = SmtpReply.of(421, "4.7.0", "Error: this is an SMTP server, not HTTP; closing connection");
    /** Postfix's anvil wording: one client address holds too many connections (RFC 5321 §3.8). */
    public static final SmtpReply TOO_MANY_CONNECTIONS_FROM_CLIENT = SmtpReply.of(421, "4.7.0", "Error: too many connections from your address, try again later");
    /** The listener holds as many connections as the service allows. */
    public static final SmtpReply TOO_MANY_CONNECTIONS = SmtpReply.of(421, "4.7.0", "Error: too many connections, try again later");
    public static final SmtpReply IDLE_TIMEOUT = SmtpReply.of(421, "4.4.2", "Error: timeout exceeded, closing connection");
    public static final SmtpReply SHUTTING_DOWN = SmtpReply.of(421, "4.3.2", "Service shutting down, closing connection");

    public static SmtpReply syntax(String usage) {
        return SmtpReply.of(501, "5.5.4", "Syntax: " + usage);
    }

    public static SmtpReply badSender(String why) {
        return SmtpReply.of(501, "5.1.7", "Bad sender address syntax: " + why);
    }

    public static SmtpReply badRecipient(String why) {
        return SmtpReply.of(501, "5.1.3", "Bad recipient address syntax: " + why);
    }

    /** RFC 6409 §6.1: the envelope sender is not the authenticated user's; Postfix's wording. */
    public static SmtpReply senderNotOwned(String user) {
        return SmtpReply.of(553, "5.7.1", "Sender address rejected: not owned by user " + user);
    }

    /** A next hop without SMTPUTF8 for a message that needs it: RFC 6531 §3.2 forbids a downgrade. */
    public static SmtpReply nextHopLacksSmtpUtf8(String server) {
        return SmtpReply.of(553, "5.6.7", "SMTPUTF8 is required, but " + server + " does not support it");
    }

    /** RFC 3463 5.6.3 "conversion required but not supported": 8-bit or binary content, a next hop without the extension. */
    public static SmtpReply nextHopLacks(String server, String extension) {
        return SmtpReply.of(554, "5.6.3", extension + " is required, but " + server
                + " does not support it (Tern does not convert message content)");
    }

    public static SmtpReply unsupportedParameter(String name) {
        return SmtpReply.of(555, "5.5.4", "Unsupported option: " + name);
    }

    /** RFC 4954 §4: a server challenge, base64 (may be empty). */
    public static SmtpReply challenge(String base64) {
        return new SmtpReply(334, null, java.util.List.of(base64));
    }

    /** RFC 3030 §2: a chunk other than the last was read (and written to the staging file). */
    public static SmtpReply chunkReceived(long octets) {
        return SmtpReply.of(250, "2.0.0", octets + " octets received");
    }

    /**
     * RFC 7489 §6.7 (and §10.3): a DMARC p=reject failure refused after DATA, with the
     * permanent 5.7.1 that says the domain's policy decided.
     */
    public static SmtpReply dmarcRejected(String fromDomain) {
        return SmtpReply.of(550, "5.7.1", "Email rejected per DMARC policy for " + fromDomain);
    }

    /** RFC 7489 §6.6.1: no single author domain (no From:, several, or one that cannot be read) to judge. */
    public static SmtpReply noSingleAuthor() {
        return SmtpReply.of(550, "5.7.1", "Email rejected: the message needs exactly one From: address (RFC 5322 §3.6)");
    }

    public static SmtpReply queued(String messageId) {
        return SmtpReply.of(250, "2.0.0", "Ok: queued as " + messageId);
    }

    public static SmtpReply greeting(String hostname) {
        return SmtpReply.of(220, null, hostname + " ESMTP Tern");
    }
}
