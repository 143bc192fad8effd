package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotStuffingTest {

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

    private static String stuff(String... chunks) throws Exception {
        return Source.from(List.of(chunks))
                .map(chunk -> ByteString.fromString(chunk, ISO_8859_1))
                .via(DotStuffing.flow())
                .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), materializer)
                .toCompletableFuture().get(5, TimeUnit.SECONDS)
                .decodeString(ISO_8859_1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a\\r\\nb\\r\\n|a\\r\\nb\\r\\n.\\r\\n",
            ".\\r\\n|..\\r\\n.\\r\\n",
            ".hidden\\r\\n..two\\r\\nx.y\\r\\n|..hidden\\r\\n...two\\r\\nx.y\\r\\n.\\r\\n",
            "no final crlf|no final crlf\\r\\n.\\r\\n",
            "ends with cr\\r|ends with cr\\r\\r\\n.\\r\\n",
            "bare\\n.lf\\r\\n|bare\\n..lf\\r\\n.\\r\\n",
    })
    void stuffsAndTerminates(String body, String expected) throws Exception {
        assertThat(stuff(body.replace("\\r", "\r").replace("\\n", "\n")))
                .isEqualTo(expected.replace("\\r", "\r").replace("\\n", "\n"));
    }

    @Test
    void emptyMessageIsJustTheDot() throws Exception {
        assertThat(stuff()).isEqualTo(".\r\n");
        assertThat(stuff("", "")).isEqualTo(".\r\n");
    }

    @Test
    void lineStartsAcrossChunkBoundaries() throws Exception {
        assertThat(stuff("a\r", "\n", ".b\r\n")).isEqualTo("a\r\n..b\r\n.\r\n");
        assertThat(stuff("a\r\n", ".", ".\r", "\n")).isEqualTo("a\r\n...\r\n.\r\n");
        assertThat(stuff("x\r", "\n")).isEqualTo("x\r\n.\r\n");
        assertThat(stuff("x", "\r", "\n")).isEqualTo("x\r\n.\r\n");
    }

    @Test
    void bodySourceReadsExactlyTheRangeFromTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m");
        Files.writeString(file, "Return-Path: <a@b>\r\nSubject: x\r\n\r\n.dot\r\ntrailing junk", ISO_8859_1);
        long offset = "Return-Path: <a@b>\r\n".length();
        long size = "Subject: x\r\n\r\n.dot\r\n".length();
        String sent = BodySource.of(file, offset, size, Duration.ofSeconds(5))
                .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), materializer)
                .toCompletableFuture().get(5, TimeUnit.SECONDS).decodeString(ISO_8859_1);
        assertThat(sent).isEqualTo("Subject: x\r\n\r\n..dot\r\n.\r\n");
    }

    @Test
    void bodySourceFailsOnAShortFileInsteadOfSendingTheDot(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m");
        Files.writeString(file, "short\r\n", ISO_8859_1);
        assertThatThrownBy(() -> BodySource.of(file, 0, 100, Duration.ofSeconds(5))
                .runWith(Sink.ignore(), materializer).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(EOFException.class);
    }
}
