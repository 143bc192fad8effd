package dev.tern.streams;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The framing is replaced, buffer and all, at the TLS marker. */
class TlsPhaseFramingTest {

    private static ActorTestKit testKit;
    private static Materializer materializer;

    /** A marker without a real session: the framing only looks at its position. */
    private static final TlsInbound.Established TLS = new TlsInbound.Established("TLSv1.3", "TLS_AES_128_GCM_SHA256", null);

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        materializer = Materializer.matFromSystem(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static List<SessionInput> frame(TlsInbound... elements) throws Exception {
        return Source.from(List.of(elements))
                .via(TlsPhaseFraming.flow(998))
                .runWith(Sink.seq(), materializer)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private static TlsInbound bytes(String text) {
        return new TlsInbound.Bytes(ByteString.fromString(text, ISO_8859_1));
    }

    private static SessionInput lines(String... texts) {
        return new SessionInput.Lines(List.of(texts).stream()
                .map(text -> (InputLine) new InputLine.Line(ByteString.fromString(text, ISO_8859_1)))
                .toList());
    }

    @Test
    void dropsThePartialCleartextLineAtTheMarker() throws Exception {
        assertThat(frame(bytes("EHLO a\r\nSTARTTLS\r\nMAIL FROM:<m@example.com>"), TLS, bytes("EHLO b\r\n")))
                .containsExactly(lines("EHLO a", "STARTTLS"), new SessionInput.TlsStarted(TLS), lines("EHLO b"));
    }

    @Test
    void keepsCompleteCleartextLinesForTheSessionToJudge() throws Exception {
        assertThat(frame(bytes("STARTTLS\r\nRSET\r\n"), TLS, bytes("NO"), bytes("OP\r\n")))
                .containsExactly(lines("STARTTLS", "RSET"), new SessionInput.TlsStarted(TLS), lines("NOOP"));
    }

    @Test
    void passesAPlainConnectionThrough() throws Exception {
        assertThat(frame(bytes("EHLO a\r\nQU"), bytes("IT\r\n")))
                .containsExactly(lines("EHLO a"), lines("QUIT"));
    }

    @Test
    void handlesAMarkerFirst() throws Exception {
        assertThat(frame(TLS, bytes("EHLO a\r\n")))
                .containsExactly(new SessionInput.TlsStarted(TLS), lines("EHLO a"));
    }
}
