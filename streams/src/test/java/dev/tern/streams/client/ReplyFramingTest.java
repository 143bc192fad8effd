package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.protocol.SmtpReply;
import dev.tern.streams.TlsInbound;

class ReplyFramingTest {

    private static ActorTestKit testKit;
    private static Materializer materializer;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        materializer = Materializer.matFromSystem(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static TlsInbound bytes(String text) {
        return new TlsInbound.Bytes(ByteString.fromString(text, ISO_8859_1));
    }

    private static List<ServerEvent> frame(TlsInbound... elements) throws Exception {
        return Source.from(List.of(elements)).via(ReplyFraming.flow()).runWith(Sink.seq(), materializer)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void assemblesRepliesAcrossChunks() throws Exception {
        List<ServerEvent> events = frame(bytes("250-mx.example\r\n250-PIPE"), bytes("LINING\r"), bytes("\n250 SIZE 10\r\n354 go on\r\n"));
        assertThat(events).containsExactly(
                new ServerEvent.Reply(new SmtpReply(250, null, List.of("mx.example", "PIPELINING", "SIZE 10"))),
                new ServerEvent.Reply(SmtpReply.of(354, null, "go on")));
    }

    @Test
    void toleratesBareLf() throws Exception {
        assertThat(frame(bytes("220 hi\n"))).containsExactly(new ServerEvent.Reply(SmtpReply.of(220, null, "hi")));
    }

    @Test
    void dropsPartialCleartextAtTheTlsBoundary() throws Exception {
        TlsInbound.Established established = new TlsInbound.Established("TLSv1.3", "TLS_AES_128_GCM_SHA256", null);
        List<ServerEvent> events = frame(bytes("220 go ahead\r\n250-injec"), established, bytes("250 real\r\n"));
        assertThat(events).containsExactly(
                new ServerEvent.Reply(SmtpReply.of(220, null, "go ahead")),
                new ServerEvent.TlsStarted(established),
                new ServerEvent.Reply(SmtpReply.of(250, null, "real")));
    }

    @Test
    void malformedReplyFailsTheStream() {
        assertThatThrownBy(() -> frame(bytes("hello there\r\n")))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SmtpClientException.ProtocolViolation.class)
                .hasMessageContaining("hello there");
    }

    @Test
    void repliesBeforeAMalformedLineAreDeliveredFirst() throws Exception {
        List<String> seen = Source.from(List.of(bytes("220 2.0.0 go ahead\r\nthis is not a TLS record\r\n")))
                .via(ReplyFraming.flow())
                .map(Object::toString)
                .recover(SmtpClientException.ProtocolViolation.class, () -> "violation")
                .runWith(Sink.seq(), materializer)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).contains("220");
        assertThat(seen.get(1)).isEqualTo("violation");
    }

    @Test
    void overlongLineFailsTheStream() {
        assertThatThrownBy(() -> frame(bytes("250 " + "x".repeat(ReplyFraming.MAX_LINE))))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SmtpClientException.ProtocolViolation.class);
    }
}
