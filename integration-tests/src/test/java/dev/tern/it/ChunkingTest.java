package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 3030 CHUNKING from a raw-socket client: BDAT chunks cut at awkward places, pipelined
 * chunks, the exact octets in the Maildir file, and the refusals that must still read the
 * chunk's octets to stay in step with the client.
 */
class ChunkingTest {

    /** Small, so that the limit across chunks is quick to reach. */
    static final long MAX_SIZE = 100_000;

    static TernProcess tern;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch(new TernProcess.Options().maxMessageSize(MAX_SIZE));
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(ISO_8859_1);
    }

    /** {@code BDAT <n> [LAST]} and the chunk, as one run of octets. */
    private static byte[] chunk(byte[] content, boolean last) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(bytes("BDAT " + content.length + (last ? " LAST" : "") + "\r\n"));
        wire.writeBytes(content);
        return wire.toByteArray();
    }

    private static SmtpTranscript envelope(String user) {
        return envelope(user, "");
    }

    /** @param mailParameters after the MAIL FROM path, e.g. {@code " BODY=BINARYMIME"} */
    private static SmtpTranscript envelope(String user, String mailParameters) {
        SmtpTranscript smtp = SmtpTranscript.connect(tern).hello();
        smtp.pipeline("MAIL FROM:<sender@client.test>" + mailParameters, "RCPT TO:<" + address(user) + ">");
        smtp.expect("250 2.1.0", "250 2.1.5");
        return smtp;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    @Test
    void ehloOffersChunkingAndBinaryMime() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern)) {
            smtp.greeting();
            assertThat(smtp.ehlo("client.test").lines()).contains("CHUNKING", "BINARYMIME");
            smtp.quit();
        }
    }

    @Test
    void pipelinedChunksCutAtAwkwardPlacesAreStoredExactly() {
        String user = tern.newUser("bdat");
        // a CRLF cut between two chunks, a lone "." line, a leading dot, a BDAT look-alike, NUL, 8-bit, bare CR and LF
        byte[] first = bytes("Subject: chunks\r\n\r\nline one\r");
        byte[] second = bytes("\n.\r\n..two dots stay two\r\nBDAT 5 LAST\r\n");
        byte[] last = bytes("binary \u0000\u00ff\u00e9 bare\rCR bare\nLF\r\nno final CRLF");
        try (SmtpTranscript smtp = envelope(user, " BODY=BINARYMIME")) { // RFC 3030 §3: binary content
            smtp.sendRaw(concat(chunk(first, false), chunk(second, false), chunk(last, true)));
            smtp.expect("250 2.0.0 " + first.length + " octets received");
            smtp.expect("250 2.0.0 " + second.length + " octets received");
            String id = smtp.queuedId(smtp.expect("250 2.0.0 Ok: queued as "));
            smtp.send("NOOP");
            smtp.expect("250 2.0.0");
            smtp.quit();

            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
            assertThat(stored.message()).as("the chunks joined, byte for byte").isEqualTo(concat(first, second, last));
            assertThat(stored.returnPath()).isEqualTo("<sender@client.test>");
            assertThat(stored.receivedId()).isEqualTo(id);
            assertThat(stored.receivedUnfolded()).as("RFC 3030 does not change the with-protocol")
                    .contains("with ESMTP id " + id).contains("for <" + address(user) + ">");
        }
    }

    @Test
    void mailRcptAndChunksInOneWriteAreAnsweredInOrder() {
        String user = tern.newUser("onewrite");
        byte[] content = bytes("Subject: one write\r\n\r\nall at once\r\n");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.sendRaw(concat(bytes("MAIL FROM:<sender@client.test>\r\nRCPT TO:<" + address(user) + ">\r\n"),
                    chunk(content, true), bytes("QUIT\r\n")));
            smtp.expect("250 2.1.0", "250 2.1.5", "250 2.0.0 Ok: queued as ", "221");
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).message()).isEqualTo(content);
    }

    @Test
    void chunksSplitAcrossTcpSegmentsInOddPlaces() throws Exception {
        String user = tern.newUser("segments");
        byte[] content = bytes("Subject: segments\r\n\r\n.\r\nafter the dot\r\n");
        byte[] wire = chunk(content, true);
        try (SmtpTranscript smtp = envelope(user)) {
            Socket socket = smtp.socket();
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            int[] cuts = {3, 9, 10, 11, 30, 31, wire.length};
            int from = 0;
            for (int cut : cuts) {
                out.write(wire, from, cut - from);
                out.flush();
                from = cut;
                Thread.sleep(40);
            }
            smtp.expect("250 2.0.0 Ok: queued as ");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).message()).isEqualTo(content);
    }

    @Test
    void bdatZeroLastEndsAMessage() {
        String user = tern.newUser("zero");
        byte[] content = bytes("Subject: zero\r\n\r\nbody\r\n");
        try (SmtpTranscript smtp = envelope(user)) {
            smtp.sendRaw(concat(chunk(content, false), bytes("BDAT 0 LAST\r\n")));
            smtp.expect("250 2.0.0 " + content.length + " octets received", "250 2.0.0 Ok: queued as ");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).message()).isEqualTo(content);
    }

    @Test
    void bdatWithoutMailIs503AndItsOctetsAreNotTakenForCommands() {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            // the chunk holds what looks like commands: they must be read as octets and dropped
            smtp.sendRaw(concat(chunk(bytes("QUIT\r\nRSET\r\n"), true), bytes("NOOP\r\n")));
            smtp.expect("503 5.5.1");
            smtp.expect("250 2.0.0 Ok");
            smtp.quit();
        }
    }

    @Test
    void dataAfterBdatIs503AndRsetStartsOver() {
        String user = tern.newUser("mixed");
        try (SmtpTranscript smtp = envelope(user)) {
            smtp.sendRaw(chunk(bytes("Subject: mixed\r\n"), false));
            smtp.expect("250 2.0.0 16 octets received");
            smtp.send("DATA");
            smtp.expect("503 5.5.1 Error: DATA after BDAT");
            smtp.send("RSET");
            smtp.expect("250");
            smtp.pipeline("MAIL FROM:<sender@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            smtp.expect("250", "250", "354");
            smtp.sendData("Subject: by DATA\r\n\r\nfine\r\n");
            smtp.expect("250 2.0.0 Ok: queued as ");
            smtp.quit();
        }
        assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user)).messageLatin1())
                .as("only the message sent by DATA, nothing of the abandoned chunks")
                .isEqualTo("Subject: by DATA\r\n\r\nfine\r\n");
    }

    @Test
    void theSizeLimitAppliesAcrossChunksAndTheRestIsReadAndDropped() {
        String user = tern.newUser("toobig");
        byte[] part = new byte[60_000];
        java.util.Arrays.fill(part, (byte) 'x');
        try (SmtpTranscript smtp = envelope(user)) {
            smtp.sendRaw(concat(chunk(part, false), chunk(part, false), chunk(part, true), bytes("NOOP\r\n")));
            smtp.expect("250 2.0.0 60000 octets received");
            smtp.expect("552 5.3.4");
            smtp.expect("552 5.3.4");
            smtp.expect("250 2.0.0 Ok");
            smtp.pipeline("MAIL FROM:<sender@client.test>");
            smtp.expect("250 2.1.0");
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("nothing stored").isEmpty();
        assertThat(Maildirs.tmpFiles(tern.mailRoot(), user)).isEmpty();
        assertThat(FakeInternet.await(Duration.ofSeconds(5),
                () -> Maildirs.list(tern.dataDir().resolve("spool").resolve("incoming")).isEmpty()))
                .as("no staged file left behind").isTrue();
    }

    @Test
    void aMalformedBdatGets501AndTheConnectionCloses() {
        try (SmtpTranscript smtp = envelope(tern.newUser("malformed"))) {
            smtp.sendRaw(bytes("BDAT ten LAST\r\nsome octets\r\n"));
            smtp.expect("501 5.5.4 Syntax: BDAT count [LAST]");
            smtp.expectClosed();
        }
    }

    @Test
    void aLoneDotInsideAChunkDoesNotEndAnything() {
        String user = tern.newUser("dot");
        byte[] content = bytes("Subject: dot\r\n\r\n.\r\n");
        try (SmtpTranscript smtp = envelope(user)) {
            smtp.sendRaw(chunk(content, false));
            smtp.expect("250 2.0.0 " + content.length + " octets received");
            smtp.sendRaw(chunk(bytes(".\r\n"), true));
            smtp.expect("250 2.0.0 Ok: queued as ");
            smtp.quit();
        }
        List<Path> files = Maildirs.awaitNewFiles(tern.mailRoot(), user, 1, Duration.ofSeconds(10));
        assertThat(Maildirs.parse(files.get(0)).messageLatin1()).isEqualTo("Subject: dot\r\n\r\n.\r\n.\r\n");
    }

    /** A message that already passed more hops than RFC 5321 §6.3's limit, by DATA and by BDAT alike. */
    @Test
    void aMessageWithMoreThanAHundredReceivedFieldsIsRefusedAsALoop() {
        String user = tern.newUser("looped");
        StringBuilder looped = new StringBuilder();
        for (int i = 0; i <= 100; i++) {
            looped.append("Received: from hop").append(i).append(".example by hop").append(i + 1)
                    .append(".example; Mon, 30 Nov 2026 10:00:00 +0000\r\n");
        }
        byte[] content = bytes(looped + "Subject: round and round\r\n\r\nagain\r\n");
        try (SmtpTranscript smtp = envelope(user)) {
            // cut mid-line: the count must not depend on where chunks end
            smtp.sendRaw(concat(chunk(java.util.Arrays.copyOfRange(content, 0, 4003), false),
                    chunk(java.util.Arrays.copyOfRange(content, 4003, content.length), true)));
            smtp.expect("250 2.0.0 4003 octets received");
            smtp.expect("554 5.4.6");
            smtp.pipeline("MAIL FROM:<sender@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
            smtp.expect("250 2.1.0", "250 2.1.5", "354");
            smtp.sendData(new String(content, ISO_8859_1));
            smtp.expect("554 5.4.6");
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("nothing stored").isEmpty();
    }

    /** Without BODY=BINARYMIME, DATA's rule holds: a bare CR or LF could end a copy relayed by DATA early. */
    @Test
    void aBareCrInChunksOfATextMessageIsRefusedAsInData() {
        String user = tern.newUser("smuggle");
        byte[] first = bytes("Subject: smuggling\r\n\r\nhello\r");
        byte[] last = bytes(".\rMAIL FROM:<forged@client.test>\r\n");
        try (SmtpTranscript smtp = envelope(user)) {
            smtp.sendRaw(concat(chunk(first, false), chunk(last, true)));
            smtp.expect("250 2.0.0 " + first.length + " octets received");
            smtp.expect("550 5.5.2");
            smtp.quit();
        }
        assertThat(Maildirs.newFiles(tern.mailRoot(), user)).as("nothing stored").isEmpty();
    }
}
