package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Postfix as a real peer, both directions (issue 15): Tern relays to a private Postfix
 * ({@link PostfixPeer}) that is the MX of {@code postfix.test} in Tern's fake DNS, and
 * that Postfix relays everything else to Tern's inbound listener. Each test checks the
 * bytes the other side stored, the trace headers both added, and what Postfix logged of
 * the conversation (its debug log has every SMTP command on both of its sides).
 *
 * <p>The SMTPUTF8, CHUNKING and DSN tests need those features in Tern. Each asks Tern's
 * EHLO first and is skipped while Tern does not advertise the keyword, so that it runs for
 * real, with its full assertions, as soon as the feature is there. Postfix's smtp client
 * has no BDAT (Postfix 3.7 speaks CHUNKING only in smtpd), so CHUNKING is exercised Tern
 * to Postfix; Postfix to Tern checks that Tern's CHUNKING offer leaves Postfix on DATA.
 */
class PostfixInteropTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String DATE = "Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n";
    /** A UTF-8 local part (RFC 6531): its mailbox at Postfix is the directory "jose". */
    static final String UTF8_LOCAL = "j\u00f6s\u00e9";
    /** The UTF-8 sender of mail from Postfix to Tern: its mailbox at Postfix is "joerg". */
    static final String UTF8_SENDER = "j\u00f6rg";

    static FakeInternet net;
    static TernProcess tern;
    static PostfixPeer postfix;

    @BeforeAll
    static void start() {
        PostfixPeer.assumeUsable();
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m"));
        for (String user : List.of("alice", "carol", "dave", "dora", "chuck", "erin", "frank")) {
            tern.addUser(user);
        }
        String mx = net.nextAddress();
        net.mx(PostfixPeer.DOMAIN, 10, "mx." + PostfixPeer.DOMAIN, mx);
        Map<String, String> mailboxes = new LinkedHashMap<>();
        for (String name : List.of("plain", "eight", "bodyparam", "chunk", "dsn", "dsnsender", "bounced")) {
            mailboxes.put(name, name);
        }
        mailboxes.put(UTF8_LOCAL, "jose");
        mailboxes.put(UTF8_SENDER, "joerg");
        postfix = PostfixPeer.start(mx, net.smtpPort(), tern.inboundPort(), mailboxes);
    }

    @AfterAll
    static void stop() {
        try {
            if (postfix != null) {
                postfix.close();
            }
        } finally {
            FakeInternet.close(tern, net);
        }
    }

    // ----- plain mail, both directions -----

    @Test
    void ternRelaysSwaksMailToPostfixIntact() throws Exception {
        Clients.assumeSwaks();
        String content = headers("swaks@example.test", "plain@postfix.test", "to postfix", "plain-1")
                + "Line one\r\n"
                + ".a line that starts with a dot\r\n"
                + "\r\n"
                + "last line\r\n";
        swaks("127.0.0.1", tern.outboundPort(), "swaks@example.test", "plain@postfix.test", content);

        String ternLine = ternRelayed("plain@postfix.test");
        String postfixId = ternLine.substring(ternLine.lastIndexOf("queued as ") + 10).replaceAll("\\W.*", "");
        assertThat(postfixDelivered("plain@postfix.test")).contains(postfixId + ": to=<plain@postfix.test>");

        Split stored = split(onlyFile(postfix.awaitNewFiles("plain", 1, WAIT)), "\n", 5);
        assertThat(stored.fields().subList(0, 3)).containsExactly("Return-Path: <swaks@example.test>",
                "X-Original-To: plain@postfix.test", "Delivered-To: plain@postfix.test");
        assertThat(stored.fields().get(3)).as("Postfix's Received: it took the mail from Tern over ESMTP")
                .matches("Received: from tern\\.test \\(unknown \\[127\\.0\\.0\\.\\d+\\]\\) by postfix\\.test \\(Postfix\\)"
                        + " with ESMTPS? id " + postfixId + " for <plain@postfix\\.test>; .+");
        assertThat(stored.fields().get(4)).as("Tern's Received, below Postfix's")
                .matches("Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\) by tern\\.test \\(Tern\\) with ESMTP id \\S+"
                        + " for <plain@postfix\\.test>; .+");
        assertThat(stored.restLatin1()).as("the message as swaks sent it, in Postfix's LF line ends")
                .isEqualTo(content.replace("\r\n", "\n"));
    }

    @Test
    void postfixRelaysSwaksMailToTernIntact() throws Exception {
        Clients.assumeSwaks();
        String content = headers("sender@postfix.test", "carol@example.test", "from postfix", "plain-2")
                + "Hello from Postfix\r\n"
                + ".leading dot\r\n"
                + "..two dots\r\n";
        swaks(postfix.address(), postfix.port(), "sender@postfix.test", "carol@example.test", content);

        String postfixLine = postfixRelayed("carol@example.test");
        String postfixId = postfixLine.replaceAll(".*\\]: (\\w+): to=<.*", "$1");
        String ternId = postfixLine.substring(postfixLine.lastIndexOf("queued as ") + 10).replaceAll("\\)$", "");

        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), "carol"));
        assertThat(stored.returnPath()).isEqualTo("<sender@postfix.test>");
        assertThat(stored.receivedUnfolded()).as("Tern's Received: it took the mail from Postfix")
                .matches("Received: from postfix\\.test \\(\\[127\\.0\\.0\\.1\\]\\) by tern\\.test \\(Tern\\) with ESMTP id "
                        + Pattern.quote(ternId) + " for <carol@example\\.test>; .+");
        Split relayed = split(stored.message(), "\r\n", 1);
        assertThat(relayed.fields().get(0)).as("Postfix's Received, as Postfix sent it")
                .matches("Received: from client\\.test \\(unknown \\[127\\.0\\.0\\.1\\]\\) by postfix\\.test \\(Postfix\\)"
                        + " with ESMTP id " + postfixId + " for <carol@example\\.test>; .+");
        assertThat(relayed.restLatin1()).as("the message as swaks sent it, byte for byte").isEqualTo(content);
    }

    // ----- refusals, both directions: each side's failure DSN quotes the other's words -----

    @Test
    void postfixRefusingARecipientBouncesInTernWithPostfixsReply() {
        Relaying.send(tern, "frank@example.test", List.of("nobody@postfix.test"), headers("frank@example.test",
                "nobody@postfix.test", "to nobody", "refused-1") + "no such mailbox at Postfix\r\n");
        postfix.awaitLogLine(WAIT, "NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <nobody@postfix.test>:");

        String dsn = Relaying.awaitDsn(tern, "frank", WAIT);
        Relaying.assertFailureDsn(dsn, "frank@example.test", List.of("nobody@postfix.test"));
        assertThat(dsn).contains("\r\nStatus: 5.1.1\r\n")
                .contains("\r\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@postfix.test>: Recipient address rejected:"
                        + " User unknown in virtual mailbox table\r\n")
                .contains("\r\nRemote-MTA: dns; mx.postfix.test\r\n")
                .contains("Message-ID: <refused-1@client.test>");
    }

    @Test
    void ternRefusingARecipientBouncesInPostfixWithTernsReply() {
        String postfixId;
        try (SmtpTranscript smtp = SmtpTranscript.connect(postfix.address(), postfix.port()).hello()) {
            postfixId = smtp.deliver("bounced@postfix.test", List.of("nosuchuser@example.test"),
                    headers("bounced@postfix.test", "nosuchuser@example.test", "to nobody at Tern", "refused-2")
                            + "no such user at Tern\r\n");
            smtp.quit();
        }
        String status = postfix.awaitStatus(WAIT, "nosuchuser@example.test");
        assertThat(status).as("Postfix's delivery attempt to Tern")
                .contains(postfixId + ": to=<nosuchuser@example.test>")
                .contains(", relay=127.0.0.1[127.0.0.1]:" + tern.inboundPort() + ",")
                .contains(", dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 ");
        postfix.awaitLogLine(WAIT, postfixId + ": sender non-delivery notification: ");

        String bounce = postfixOnlyMessage("bounced");
        assertThat(bounce).startsWith("Return-Path: <>\n")
                .contains("\nFinal-Recipient: rfc822; nosuchuser@example.test\n")
                .contains("\nAction: failed\n")
                .contains("\nStatus: 5.1.1\n")
                .contains("\nRemote-MTA: dns; 127.0.0.1\n")
                .containsPattern("\nDiagnostic-Code: smtp; 550 5\\.1\\.1 .+\n")
                .contains("Message-ID: <refused-2@client.test>");
    }

    // ----- 8BITMIME (RFC 6152) -----

    /** Latin-1 and UTF-8 bytes, and every high byte, in a body declared 8BITMIME. */
    static byte[] eightBitContent(String from, String to, String id) {
        StringBuilder high = new StringBuilder();
        for (int b = 0x80; b <= 0xff; b++) {
            high.append((char) b);
            if (b % 32 == 31) {
                high.append("\r\n");
            }
        }
        String text = headers(from, to, "eight bit", id)
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\r\n"
                + high;
        byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] utf8 = "UTF-8 bytes too: Gr\u00fc\u00dfe \u2603\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(latin1, latin1.length + utf8.length);
        System.arraycopy(utf8, 0, all, latin1.length, utf8.length);
        return all;
    }

    @Test
    void eightBitBodyFromTernToPostfixArrivesByteExact() {
        byte[] content = eightBitContent("eight@example.test", "eight@postfix.test", "eight-1");
        transaction("127.0.0.1", tern.outboundPort(),
                "MAIL FROM:<eight@example.test> BODY=8BITMIME",
                "RCPT TO:<eight@postfix.test>", content);
        ternRelayed("eight@postfix.test");
        postfixDelivered("eight@postfix.test");
        Split stored = split(onlyFile(postfix.awaitNewFiles("eight", 1, WAIT)), "\n", 5);
        assertThat(stored.fields().get(3)).startsWith("Received: from tern.test ").contains(" with ESMTP id ");
        assertThat(stored.rest()).as("every 8-bit byte as sent, in LF line ends").isEqualTo(lf(content));
    }

    /**
     * RFC 6152 §3: an 8-bit message is declared to the next hop with BODY=8BITMIME. Tern
     * relays it without the parameter until issue 15's body types (part 1, with SMTPUTF8)
     * are in, so this test runs once Tern advertises SMTPUTF8.
     */
    @Test
    void ternDeclaresBody8bitmimeToPostfix() {
        assumeTernOffers(tern.outboundPort(), "SMTPUTF8", "BODY=8BITMIME passed on comes with issue 15's body types");
        byte[] content = eightBitContent("bodyparam@example.test", "bodyparam@postfix.test", "eight-2");
        transaction("127.0.0.1", tern.outboundPort(),
                "MAIL FROM:<bodyparam@example.test> BODY=8BITMIME",
                "RCPT TO:<bodyparam@postfix.test>", content);
        postfixDelivered("bodyparam@postfix.test");
        String mail = postfix.awaitLogLine(WAIT, "]: MAIL FROM:<bodyparam@example.test>");
        assertThat(mail).as("the MAIL command Postfix got from Tern").contains(" BODY=8BITMIME");
        Split stored = split(onlyFile(postfix.awaitNewFiles("bodyparam", 1, WAIT)), "\n", 5);
        assertThat(stored.rest()).isEqualTo(lf(content));
    }

    @Test
    void eightBitBodyFromPostfixToTernArrivesByteExactAndDeclared() {
        byte[] content = eightBitContent("eight@postfix.test", "dave@example.test", "eight-3");
        transaction(postfix.address(), postfix.port(),
                "MAIL FROM:<eight@postfix.test> BODY=8BITMIME",
                "RCPT TO:<dave@example.test>", content);
        postfixRelayed("dave@example.test");
        String mail = postfix.awaitLogLine(WAIT, "]:" + tern.inboundPort() + ": MAIL FROM:<eight@postfix.test>");
        assertThat(mail).as("the MAIL command Postfix sent Tern (Tern offers 8BITMIME)").contains(" BODY=8BITMIME");
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), "dave"));
        assertThat(stored.returnPath()).isEqualTo("<eight@postfix.test>");
        Split relayed = split(stored.message(), "\r\n", 1);
        assertThat(relayed.fields().get(0)).startsWith("Received: from client.test (unknown [127.0.0.1]) by postfix.test");
        assertThat(relayed.rest()).as("every 8-bit byte as sent to Postfix").isEqualTo(content);
    }

    // ----- SMTPUTF8 (RFC 6531/6532) -----

    /** A message whose header fields hold UTF-8 (RFC 6532), with a UTF-8 address. */
    static byte[] utf8Content(String from, String to, String id) {
        return ("From: Al\u00efce <" + from + ">\r\n"
                + "To: J\u00f6s\u00e9 <" + to + ">\r\n"
                + "Subject: Gr\u00fc\u00dfe aus \u00d6sterreich\r\n"
                + DATE
                + "Message-ID: <" + id + "@client.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Sch\u00f6ne Gr\u00fc\u00dfe \u2603\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void smtputf8FromTernToPostfix() {
        assumeTernOffers(tern.outboundPort(), "SMTPUTF8", "SMTPUTF8 is issue 15 part 1");
        String recipient = UTF8_LOCAL + "@postfix.test";
        byte[] content = utf8Content("utf8out@example.test", recipient, "utf8-1");
        transaction("127.0.0.1", tern.outboundPort(),
                "MAIL FROM:<utf8out@example.test> SMTPUTF8 BODY=8BITMIME",
                "RCPT TO:<" + recipient + ">", content);
        ternRelayed(recipient);
        postfixDelivered(recipient);
        String mail = postfix.awaitLogLine(WAIT, "]: MAIL FROM:<utf8out@example.test>");
        assertThat(mail).as("the MAIL command Postfix got from Tern").contains(" SMTPUTF8");
        assertThat(postfix.logLines("]: RCPT TO:<" + recipient + ">")).as("the UTF-8 RCPT Postfix got").isNotEmpty();

        byte[] file = Maildirs.read(onlyFile(postfix.awaitNewFiles("jose", 1, WAIT)));
        Split stored = split(file, "\n", 5);
        String[] fields = stored.fields().stream().map(PostfixInteropTest::utf8).toArray(String[]::new);
        assertThat(fields[1]).isEqualTo("X-Original-To: " + recipient);
        assertThat(fields[2]).isEqualTo("Delivered-To: " + recipient);
        assertThat(fields[3]).as("RFC 6531 §3.7.3: Postfix took it with UTF8SMTP")
                .matches("Received: from tern\\.test \\(unknown \\[127\\.0\\.0\\.\\d+\\]\\) by postfix\\.test \\(Postfix\\)"
                        + " with UTF8SMTPS? id \\w+ for <" + recipient + ">; .+");
        assertThat(fields[4]).startsWith("Received: from client.test ([127.0.0.1]) by tern.test (Tern) with UTF8SMTP");
        assertThat(stored.rest()).as("the UTF-8 headers and body, byte for byte (LF line ends)")
                .isEqualTo(lf(content));
    }

    @Test
    void smtputf8FromPostfixToTern() {
        assumeTernOffers(tern.inboundPort(), "SMTPUTF8", "SMTPUTF8 is issue 15 part 1");
        String sender = UTF8_SENDER + "@postfix.test";
        byte[] content = utf8Content(sender, "dora@example.test", "utf8-2");
        try (SmtpTranscript smtp = SmtpTranscript.connect(postfix.address(), postfix.port()).hello()) {
            sendUtf8(smtp, "MAIL FROM:<" + sender + "> SMTPUTF8 BODY=8BITMIME");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<dora@example.test>");
            smtp.expect("250 2.1.5");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData(content);
            smtp.expect("250 2.0.0");
            smtp.quit();
        }
        postfixRelayed("dora@example.test");
        String mail = postfix.awaitLogLine(WAIT, "]:" + tern.inboundPort() + ": MAIL FROM:<" + sender + ">");
        assertThat(mail).as("the MAIL command Postfix sent Tern").contains(" SMTPUTF8");

        byte[] file = Maildirs.read(Maildirs.awaitOnlyNewFile(tern.mailRoot(), "dora"));
        Split stored = split(file, "\r\n", 3);
        assertThat(utf8(stored.fields().get(0))).isEqualTo("Return-Path: <" + sender + ">");
        assertThat(stored.fields().get(1)).as("RFC 6531 §3.7.3: Tern took it with UTF8SMTP")
                .matches("Received: from postfix\\.test \\(\\[127\\.0\\.0\\.1\\]\\) by tern\\.test \\(Tern\\) with UTF8SMTP id"
                        + " \\S+ for <dora@example\\.test>; .+");
        assertThat(stored.fields().get(2)).startsWith("Received: from client.test (unknown [127.0.0.1]) by postfix.test"
                + " (Postfix) with UTF8SMTP id ");
        assertThat(stored.rest()).as("the UTF-8 headers and body, byte for byte").isEqualTo(content);
    }

    // ----- CHUNKING (RFC 3030) -----

    @Test
    void chunkingFromTernToPostfixUsesBdat() {
        assumeTernOffers(tern.outboundPort(), "CHUNKING", "CHUNKING is issue 15 part 2");
        // a lone "." line and a ".." line: BDAT carries them as they are (RFC 3030 §2: no dot-stuffing)
        String content = headers("chunk@example.test", "chunk@postfix.test", "chunked", "chunk-1")
                + "before the lone dot\r\n"
                + ".\r\n"
                + "..two dots\r\n"
                + "after\r\n";
        byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
        try (SmtpTranscript smtp = SmtpTranscript.connectOutbound(tern).hello()) {
            smtp.send("MAIL FROM:<chunk@example.test>");
            smtp.expect("250 2.1.0");
            smtp.send("RCPT TO:<chunk@postfix.test>");
            smtp.expect("250 2.1.5");
            int half = content.indexOf("\n.\r\n") + 2; // the chunk boundary falls right before the lone dot
            smtp.sendRaw(("BDAT " + half + "\r\n").getBytes(StandardCharsets.US_ASCII));
            smtp.sendRaw(Arrays.copyOfRange(bytes, 0, half));
            smtp.expect("250");
            smtp.sendRaw(("BDAT " + (bytes.length - half) + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
            smtp.sendRaw(Arrays.copyOfRange(bytes, half, bytes.length));
            smtp.expect("250 2.0.0");
            smtp.quit();
        }
        ternRelayed("chunk@postfix.test");
        postfixDelivered("chunk@postfix.test");
        List<String> session = postfix.smtpdTransaction("]: MAIL FROM:<chunk@example.test>");
        assertThat(session.stream().filter(line -> line.matches(".*\\]: BDAT \\d+( LAST)?$")).toList())
                .as("Postfix's smtpd got the message in BDAT chunks from Tern:\n" + String.join("\n", session))
                .isNotEmpty()
                .last().asString().endsWith(" LAST");
        assertThat(session).as("and no DATA").noneMatch(line -> line.endsWith("]: DATA"));
        Split stored = split(onlyFile(postfix.awaitNewFiles("chunk", 1, WAIT)), "\n", 5);
        assertThat(stored.restLatin1()).as("the lone dot and the two dots arrived as they are")
                .isEqualTo(content.replace("\r\n", "\n"));
    }

    @Test
    void postfixUsesDataWhenTernOffersChunking() {
        assumeTernOffers(tern.inboundPort(), "CHUNKING", "CHUNKING is issue 15 part 2");
        String content = headers("chunk@postfix.test", "chuck@example.test", "offered chunking", "chunk-2")
                + "Postfix's client has no BDAT\r\n"
                + ".\r\n"
                + "a lone dot above\r\n";
        try (SmtpTranscript smtp = SmtpTranscript.connect(postfix.address(), postfix.port()).hello()) {
            smtp.deliver("chunk@postfix.test", List.of("chuck@example.test"), content);
            smtp.quit();
        }
        postfixRelayed("chuck@example.test");
        assertThat(postfix.logLines("]:" + tern.inboundPort() + ": BDAT ")).as("Postfix's client sent Tern no BDAT")
                .isEmpty();
        Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), "chuck"));
        assertThat(split(stored.message(), "\r\n", 1).restLatin1()).isEqualTo(content);
    }

    // ----- DSN (RFC 3461) -----

    @Test
    void dsnParametersFromPostfixToTernAndTernsSuccessDsnBack() {
        assumeTernOffers(tern.inboundPort(), "DSN", "DSN is issue 15 part 3");
        String content = headers("dsnsender@postfix.test", "erin@example.test", "dsn via postfix", "dsn-1")
                + "DSN-BODY-MARKER\r\n";
        String postfixId = transaction(postfix.address(), postfix.port(),
                "MAIL FROM:<dsnsender@postfix.test> RET=HDRS ENVID=pf-env-1",
                "RCPT TO:<erin@example.test> NOTIFY=SUCCESS ORCPT=rfc822;erin@example.test", content);
        assertThat(postfixRelayed("erin@example.test")).contains(postfixId + ": to=<erin@example.test>");
        String toTern = "]:" + tern.inboundPort() + ": ";
        assertThat(postfix.awaitLogLine(WAIT, toTern + "MAIL FROM:<dsnsender@postfix.test>"))
                .as("RFC 3461 §4: Postfix passed RET and ENVID on to Tern")
                .contains(" RET=HDRS").contains(" ENVID=pf-env-1");
        assertThat(postfix.awaitLogLine(WAIT, toTern + "RCPT TO:<erin@example.test>"))
                .as("and NOTIFY and ORCPT").contains(" NOTIFY=SUCCESS").contains(" ORCPT=rfc822;erin@example.test");
        Maildirs.Stored delivered = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), "erin"));
        assertThat(split(delivered.message(), "\r\n", 1).restLatin1()).isEqualTo(content);

        // RFC 3461 §5.2.2: Tern delivered it, so Tern sends the success DSN; it goes to postfix.test's MX
        String dsn = postfixOnlyMessage("dsnsender");
        assertThat(dsn).startsWith("Return-Path: <>\n")
                .containsPattern("(?m)^Reporting-MTA: dns; ?tern\\.test$")
                .containsPattern("(?m)^Original-Envelope-Id: pf-env-1$")
                .containsPattern("(?mi)^Final-Recipient: rfc822; ?erin@example\\.test$")
                .containsPattern("(?mi)^Original-Recipient: rfc822; ?erin@example\\.test$")
                .containsPattern("(?m)^Action: delivered$")
                .containsPattern("(?m)^Status: 2\\.\\d{1,3}\\.\\d{1,3}$")
                .as("RET=HDRS: no body returned").doesNotContain("DSN-BODY-MARKER");
        assertThat(postfix.logLines(postfixId + ": sender delivery status notification"))
                .as("Postfix sent no 'relayed' DSN of its own: Tern offered DSN").isEmpty();
    }

    @Test
    void dsnParametersFromTernToPostfixAndPostfixsSuccessDsnBack() {
        assumeTernOffers(tern.outboundPort(), "DSN", "DSN is issue 15 part 3");
        String content = headers("alice@example.test", "dsn@postfix.test", "dsn via tern", "dsn-2")
                + "DSN-BODY-MARKER\r\n";
        transaction("127.0.0.1", tern.outboundPort(),
                "MAIL FROM:<alice@example.test> RET=HDRS ENVID=tern-env-1",
                "RCPT TO:<dsn@postfix.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;dsn@postfix.test", content);
        ternRelayed("dsn@postfix.test");
        String delivered = postfixDelivered("dsn@postfix.test");
        String postfixId = delivered.replaceAll(".*\\]: (\\w+): to=<.*", "$1");
        assertThat(postfix.awaitLogLine(WAIT, "]: MAIL FROM:<alice@example.test> "))
                .as("RFC 3461 §4: Tern passed RET and ENVID on to Postfix")
                .contains(" RET=HDRS").contains(" ENVID=tern-env-1");
        assertThat(postfix.awaitLogLine(WAIT, "]: RCPT TO:<dsn@postfix.test> "))
                .as("and NOTIFY and ORCPT").containsPattern(" NOTIFY=(SUCCESS,FAILURE|FAILURE,SUCCESS)( |$)")
                .containsPattern("(?i) ORCPT=rfc822;dsn@postfix\\.test( |$)");

        // Postfix delivered with NOTIFY=SUCCESS: its success DSN comes back to alice through Tern's inbound
        String notice = postfix.awaitLogLine(WAIT, postfixId + ": sender delivery status notification: ");
        String dsnId = notice.substring(notice.lastIndexOf(' ') + 1);
        assertThat(postfixRelayed("alice@example.test")).contains(dsnId + ": to=<alice@example.test>");
        List<Path> files = Maildirs.awaitNewFiles(tern.mailRoot(), "alice", 1, WAIT);
        TernProcess.sleep(1000); // a second DSN (a wrong "relayed" one from Tern) would show by now
        files = Maildirs.newFiles(tern.mailRoot(), "alice");
        assertThat(files).as("one DSN for alice, Postfix's: Tern sends no 'relayed' DSN to a hop that offers DSN")
                .hasSize(1);
        String dsn = Maildirs.readLatin1(files.get(0)).replaceAll("\r\n[ \t]+", " ");
        assertThat(dsn).startsWith("Return-Path: <>\r\n")
                .contains("\r\nReporting-MTA: dns; postfix.test\r\n")
                .contains("\r\nOriginal-Envelope-Id: tern-env-1\r\n")
                .contains("\r\nFinal-Recipient: rfc822; dsn@postfix.test\r\n")
                .containsPattern("(?i)\r\nOriginal-Recipient: rfc822;dsn@postfix\\.test\r\n")
                .contains("\r\nAction: delivered\r\n")
                .contains("\r\nStatus: 2.0.0\r\n")
                .as("RET=HDRS: the headers only")
                .contains("Message-ID: <dsn-2@client.test>").doesNotContain("DSN-BODY-MARKER");
    }

    // ----- helpers -----

    /** Tern's first relay attempt for the recipient (waiting for it), which Postfix must have taken. */
    static String ternRelayed(String recipient) {
        String line = Relaying.awaitLogLine(tern, WAIT, "to=<" + recipient + ">", " relay=", " status=");
        assertThat(line).as("Tern's first relay attempt")
                .contains(" relay=mx.postfix.test[" + postfix.address() + "]:" + postfix.port() + " ")
                // Postfix offers CHUNKING, so Tern sends by BDAT, whose LAST reply names the octets taken
                .containsPattern(" status=sent \\(250 2\\.0\\.0 Ok: \\d+ bytes queued as ");
        return line;
    }

    /** Postfix's first delivery status for the recipient (waiting for it): delivered to its Maildir. */
    static String postfixDelivered(String recipient) {
        String line = postfix.awaitStatus(WAIT, recipient);
        assertThat(line).as("Postfix's delivery")
                .contains(", relay=virtual,").contains(", status=sent (delivered to maildir)");
        return line;
    }

    /** Postfix's first delivery status for the recipient (waiting for it): relayed to Tern, which said 250. */
    static String postfixRelayed(String recipient) {
        String line = postfix.awaitStatus(WAIT, recipient);
        assertThat(line).as("Postfix's relay to Tern" + tern.logTail())
                .contains(", relay=127.0.0.1[127.0.0.1]:" + tern.inboundPort() + ",")
                .contains(", status=sent (250 2.0.0 Ok: queued as ");
        return line;
    }

    /** Header fields that make Postfix add none of its own (Date, Message-ID), then the blank line. */
    static String headers(String from, String to, String subject, String id) {
        return "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + subject + "\r\n" + DATE
                + "Message-ID: <" + id + "@client.test>\r\n\r\n";
    }

    /** swaks sends the content (which ends in CRLF) as the message. */
    static void swaks(String host, int port, String from, String to, String content) throws Exception {
        Path data = Files.createTempFile("tern-it-swaks", ".eml");
        try {
            // swaks ends the data with "\r\n.\r\n" itself: the file holds all but the last CRLF
            Files.writeString(data, content.substring(0, content.length() - 2), StandardCharsets.ISO_8859_1);
            Exec.Result swaks = Exec.run(Clients.EXTERNAL_TIMEOUT, null, List.of("swaks", "--server", host + ":" + port,
                    "--ehlo", "client.test", "--from", from, "--to", to, "--data", data.toString(), "--timeout", "30"));
            assertThat(swaks.exitCode()).as(swaks.describe()).isZero();
            assertThat(swaks.stdout()).contains("<-  250 2.0.0 Ok: queued as ");
        } finally {
            Files.deleteIfExists(data);
        }
    }

    /** Skips the test while Tern's EHLO on that port lacks the keyword. */
    static void assumeTernOffers(int port, String keyword, String why) {
        List<String> keywords;
        try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port)) {
            smtp.greeting();
            List<String> lines = smtp.ehlo("client.test").lines();
            smtp.quit();
            keywords = lines.subList(1, lines.size()).stream()
                    .map(line -> line.split(" ")[0].toUpperCase(Locale.ROOT)).toList();
        }
        Assumptions.assumeTrue(keywords.contains(keyword),
                "Tern does not advertise " + keyword + " yet (" + why + "); its EHLO lists " + keywords);
    }

    /** One transaction with exactly these MAIL and RCPT lines (UTF-8), the content after DATA; returns the queue id. */
    static String transaction(String host, int port, String mail, String rcpt, byte[] content) {
        try (SmtpTranscript smtp = SmtpTranscript.connect(host, port).hello()) {
            sendUtf8(smtp, mail);
            smtp.expect("250 2.1.0");
            sendUtf8(smtp, rcpt);
            smtp.expect("250 2.1.5");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData(content);
            String id = smtp.queuedId(smtp.expect("250 2.0.0"));
            smtp.quit();
            return id;
        }
    }

    static String transaction(String host, int port, String mail, String rcpt, String content) {
        return transaction(host, port, mail, rcpt, content.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void sendUtf8(SmtpTranscript smtp, String command) {
        smtp.sendRaw((command + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    static Path onlyFile(List<Path> files) {
        assertThat(files).hasSize(1);
        return files.get(0);
    }

    /** The one message in a Postfix mailbox (waiting for it), as UTF-8 text with folded lines unfolded. */
    static String postfixOnlyMessage(String mailbox) {
        return utf8(Maildirs.read(onlyFile(postfix.awaitNewFiles(mailbox, 1, WAIT)))).replaceAll("\n[ \t]+", " ");
    }

    static String utf8(String latin1) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static byte[] lf(byte[] crlf) {
        return new String(crlf, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A stored message split after its first header fields (each unfolded, in Latin-1), and the rest. */
    record Split(List<String> fields, byte[] rest) {
        String restLatin1() {
            return new String(rest, StandardCharsets.ISO_8859_1);
        }
    }

    static Split split(Path file, String lineEnd, int count) {
        return split(Maildirs.read(file), lineEnd, count);
    }

    /** Takes {@code count} header fields (with their folded lines) off the front of the bytes. */
    static Split split(byte[] bytes, String lineEnd, int count) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<String> fields = new ArrayList<>();
        int at = 0;
        for (int n = 0; n < count; n++) {
            int end = at;
            do {
                int next = text.indexOf(lineEnd, end);
                assertThat(next).as("header field " + (n + 1) + " ends with a line end in\n" + text)
                        .isGreaterThanOrEqualTo(0);
                end = next + lineEnd.length();
            } while (end < text.length() && (text.charAt(end) == ' ' || text.charAt(end) == '\t'));
            fields.add(text.substring(at, end - lineEnd.length()).replaceAll(Pattern.quote(lineEnd) + "[ \t]+", " "));
            at = end;
        }
        return new Split(fields, Arrays.copyOfRange(bytes, at, bytes.length));
    }
}
