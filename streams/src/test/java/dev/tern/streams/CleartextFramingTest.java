package dev.tern.streams;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Line framing before any TLS handshake, through {@link TlsPhaseFraming}: it must give the
 * same lines however TCP happens to cut the byte stream
 * (in the spirit of Netty's codec tests: every split point, and one byte at a time).
 */
class CleartextFramingTest {

    private static final InputLine OVERLONG = InputLine.OVERLONG;

    private static ActorTestKit testKit;
    private static ActorSystem<Void> system;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        system = testKit.system();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    // ---------------------------------------------------------------- helpers

    private static InputLine line(String text) {
        return new InputLine.Line(ByteString.fromString(text, ISO_8859_1));
    }

    private static ByteString bytes(String text) {
        return ByteString.fromString(text, ISO_8859_1);
    }

    /** The batches as the stage emits them, one element per upstream chunk that completed a line. */
    private static List<List<InputLine>> batches(int maxLineLength, Source<ByteString, ?> input) {
        try {
            return input.<TlsInbound>map(TlsInbound.Bytes::new)
                    .via(TlsPhaseFraming.flow(maxLineLength))
                    .map(batch -> ((SessionInput.Lines) batch).lines())
                    .runWith(Sink.seq(), system)
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("framing did not complete", e);
        }
    }

    private static List<InputLine> frame(int maxLineLength, List<ByteString> chunks) {
        return flatten(batches(maxLineLength, Source.from(chunks)));
    }

    private static List<InputLine> frame(int maxLineLength, String... chunks) {
        return frame(maxLineLength, Arrays.stream(chunks).map(CleartextFramingTest::bytes).toList());
    }

    private static List<InputLine> flatten(List<List<InputLine>> batches) {
        List<InputLine> all = new ArrayList<>();
        batches.forEach(all::addAll);
        return all;
    }

    private static List<ByteString> oneByteAtATime(ByteString input) {
        List<ByteString> chunks = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            chunks.add(input.slice(i, i + 1));
        }
        return chunks;
    }

    /** Messy input: bare CR and LF inside lines, empty lines, a CRLF right after an overlong line, a line at the limit. */
    private static final int SPLIT_LIMIT = 10;
    private static final String MESSY =
            "EHLO x\r\n"
            + "\r\n"
            + "0123456789\r\n"            // exactly at the limit
            + "0123456789A\r\n"           // one octet over
            + "bare\nLF\r\n"
            + "bare\rCR\r\n"
            + "\r\r\n"                    // a lone CR, then CRLF
            + "\n\r\n"                    // a lone LF, then CRLF
            + "a much longer line than ten octets\r\n"
            + "xx\r\r\r\n"
            + "\r\n"
            + ".\r\n"
            + "tail without end";         // never terminated: dropped
    private static final List<InputLine> MESSY_LINES = List.of(
            line("EHLO x"),
            line(""),
            line("0123456789"),
            OVERLONG,
            line("bare\nLF"),
            line("bare\rCR"),
            line("\r"),
            line("\n"),
            OVERLONG,
            line("xx\r\r"),
            line(""),
            line("."));

    // ---------------------------------------------------------------- chunking must not matter

    @Test
    void wholeInputInOneChunk() {
        assertThat(frame(SPLIT_LIMIT, MESSY)).containsExactlyElementsOf(MESSY_LINES);
    }

    @Test
    void everySplitPointIntoTwoChunksGivesTheSameLines() {
        ByteString input = bytes(MESSY);
        for (int split = 0; split <= input.size(); split++) {
            List<ByteString> chunks = List.of(input.take(split), input.drop(split));
            assertThat(frame(SPLIT_LIMIT, chunks))
                    .as("split at %d: %s | %s", split, chunks.get(0).utf8String(), chunks.get(1).utf8String())
                    .containsExactlyElementsOf(MESSY_LINES);
        }
    }

    @Test
    void everyPairOfSplitPointsIntoThreeChunksGivesTheSameLines() {
        ByteString input = bytes(MESSY.substring(0, 90)); // a prefix keeps this at a few thousand runs
        List<InputLine> expected = frame(SPLIT_LIMIT, List.of(input));
        assertThat(expected).isNotEmpty().contains(OVERLONG);
        for (int first = 0; first <= input.size(); first++) {
            for (int second = first; second <= input.size(); second++) {
                List<ByteString> chunks = List.of(input.slice(0, first), input.slice(first, second), input.drop(second));
                assertThat(frame(SPLIT_LIMIT, chunks)).as("splits at %d and %d", first, second)
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void oneByteAtATimeGivesTheSameLines() {
        assertThat(frame(SPLIT_LIMIT, oneByteAtATime(bytes(MESSY)))).containsExactlyElementsOf(MESSY_LINES);
    }

    @Test
    void randomChunkingGivesTheSameLines() {
        ByteString input = bytes(MESSY.repeat(5));
        // the unterminated tail of one repetition runs into the first line of the next
        List<InputLine> expected = frame(SPLIT_LIMIT, List.of(input));
        Random random = new Random(42);
        for (int run = 0; run < 300; run++) {
            List<ByteString> chunks = new ArrayList<>();
            int at = 0;
            while (at < input.size()) {
                int size = Math.min(input.size() - at, random.nextInt(14));
                chunks.add(input.slice(at, at + size));
                at += size;
            }
            assertThat(frame(SPLIT_LIMIT, chunks)).as("run %d, chunks %s", run, chunks.size())
                    .containsExactlyElementsOf(expected);
        }
        // and the repeated input is what we think it is: the tail glued to "EHLO x" is overlong
        assertThat(expected).hasSize(MESSY_LINES.size() * 5);
        assertThat(expected.get(MESSY_LINES.size())).isEqualTo(OVERLONG);
    }

    // ---------------------------------------------------------------- CRLF and bare CR/LF

    @Test
    void crlfSplitBetweenChunks() {
        assertThat(frame(100, "HELO a\r", "\nNOOP\r", "\n")).containsExactly(line("HELO a"), line("NOOP"));
    }

    @Test
    void crAtTheEndOfOneChunkAndSomethingElseAfterItIsABareCr() {
        assertThat(frame(100, "a\r", "b\r\n")).containsExactly(line("a\rb"));
    }

    @Test
    void bareLfStaysInsideTheLine() {
        assertThat(frame(100, "one\ntwo\r\n")).containsExactly(line("one\ntwo"));
        assertThat(frame(100, "\nlead\r\n")).containsExactly(line("\nlead"));
        assertThat(frame(100, "one\n", "\ntwo\r\n")).containsExactly(line("one\n\ntwo"));
    }

    @Test
    void bareCrStaysInsideTheLine() {
        assertThat(frame(100, "one\rtwo\r\n")).containsExactly(line("one\rtwo"));
        assertThat(frame(100, "one\r\r\n")).containsExactly(line("one\r"));
    }

    @Test
    void lfCrIsNotALineEnd() {
        assertThat(frame(100, "a\n\rb\r\n")).containsExactly(line("a\n\rb"));
    }

    @Test
    void smugglingSequenceStaysOneLine() {
        // <LF>.<LF> and <CR>.<CR> must not end anything: only CRLF does
        assertThat(frame(100, "text\n.\nMAIL FROM:<x@y>\r\n")).containsExactly(line("text\n.\nMAIL FROM:<x@y>"));
        assertThat(frame(100, "text\r.\rRCPT\r\n")).containsExactly(line("text\r.\rRCPT"));
    }

    @Test
    void emptyLines() {
        assertThat(frame(100, "\r\n\r\n\r\n")).containsExactly(line(""), line(""), line(""));
        assertThat(frame(1, "\r\n", "\r", "\n")).containsExactly(line(""), line(""));
    }

    @Test
    void linesOfOneChunkTravelTogether() {
        List<List<InputLine>> batches = batches(100, Source.single(bytes("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n")));
        assertThat(batches).containsExactly(List.of(line("EHLO x"), line("MAIL FROM:<a@b>"), line("RCPT TO:<c@d>")));
    }

    @Test
    void chunksWithoutALineEndEmitNothing() {
        List<List<InputLine>> batches = batches(100, Source.from(List.of(bytes("ab"), bytes("cd"), bytes("ef\r\n"))));
        assertThat(batches).containsExactly(List.of(line("abcdef")));
    }

    // ---------------------------------------------------------------- the limit

    @Test
    void lineExactlyAtTheLimitPasses() {
        String atLimit = "x".repeat(998);
        assertThat(frame(998, atLimit + "\r\n")).containsExactly(line(atLimit));
        assertThat(frame(998, oneByteAtATime(bytes(atLimit + "\r\n")))).containsExactly(line(atLimit));
    }

    @Test
    void lineOneOctetOverTheLimitIsOverlong() {
        String over = "x".repeat(999);
        assertThat(frame(998, over + "\r\nnext\r\n")).containsExactly(OVERLONG, line("next"));
        assertThat(frame(998, oneByteAtATime(bytes(over + "\r\nnext\r\n")))).containsExactly(OVERLONG, line("next"));
    }

    @Test
    void limitCountsOctetsWithoutTheCrlfButWithBareCrAndLf() {
        assertThat(frame(5, "abcd\r\r\n")).containsExactly(line("abcd\r"));
        assertThat(frame(5, "abcde\r\r\n")).containsExactly(OVERLONG);
        assertThat(frame(5, "abcde\n\r\n")).containsExactly(OVERLONG);
    }

    @Test
    void everySplitOfALineAroundTheLimit() {
        for (int length = 7; length <= 13; length++) {
            ByteString input = bytes("y".repeat(length) + "\r\nok\r\n");
            InputLine first = length <= 10 ? line("y".repeat(length)) : OVERLONG;
            for (int split = 0; split <= input.size(); split++) {
                assertThat(frame(10, List.of(input.take(split), input.drop(split))))
                        .as("length %d split at %d", length, split)
                        .containsExactly(first, line("ok"));
            }
        }
    }

    @Test
    void hundredKilobyteLineGivesOneOverlongAndTheNextLineIntact() {
        String huge = "z".repeat(100 * 1024);
        assertThat(frame(998, huge + "\r\nQUIT\r\n")).containsExactly(OVERLONG, line("QUIT"));

        List<ByteString> chunks = new ArrayList<>();
        ByteString hugeBytes = bytes(huge);
        for (int at = 0; at < hugeBytes.size(); at += 1460) {
            chunks.add(hugeBytes.slice(at, Math.min(hugeBytes.size(), at + 1460)));
        }
        chunks.add(bytes("\r"));
        chunks.add(bytes("\nQUIT\r\n"));
        assertThat(frame(998, chunks)).containsExactly(OVERLONG, line("QUIT"));
    }

    @Test
    void overlongLineWithBareLfsAndCrsInsideIsStillOneOverlong() {
        String noisy = ("abc\ndef\rghi").repeat(200);
        assertThat(frame(100, oneByteAtATime(bytes(noisy + "\r\nafter\r\n")))).containsExactly(OVERLONG, line("after"));
        assertThat(frame(100, noisy + "\r\nafter\r\n")).containsExactly(OVERLONG, line("after"));
    }

    @Test
    void tenMegabytesWithoutCrlfAreDroppedAsTheyComeThenOneOverlong() {
        int chunkSize = 64 * 1024;
        int chunks = 160; // 10 MiB
        // fresh arrays for every chunk, generated lazily, so that nothing but the stage could hold them
        Source<ByteString, ?> flood = Source.fromIterator(() -> new Iterator<ByteString>() {
            private int sent;

            @Override
            public boolean hasNext() {
                return sent <= chunks;
            }

            @Override
            public ByteString next() {
                if (sent++ == chunks) {
                    return bytes("\r\nQUIT\r\n");
                }
                byte[] chunk = new byte[chunkSize];
                Arrays.fill(chunk, (byte) 'a');
                chunk[sent % chunkSize] = '\n'; // a bare LF now and then must not change anything
                return ByteString.fromArrayUnsafe(chunk);
            }
        });
        long start = System.nanoTime();
        List<List<InputLine>> batches = batches(998, flood);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(flatten(batches)).containsExactly(OVERLONG, line("QUIT"));
        assertThat(batches).hasSize(1); // nothing was emitted while the flood ran
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void trailingPartialLineAtEndOfStreamIsDropped() {
        assertThat(frame(100, "NOOP\r\nQUI")).containsExactly(line("NOOP"));
        assertThat(frame(100, "NOOP\r\nQUIT\r")).containsExactly(line("NOOP"));
        assertThat(frame(100, "no line end at all")).isEmpty();
        assertThat(frame(5, "far too long for the limit")).isEmpty();
    }

    @Test
    void emptyInputAndEmptyChunks() {
        assertThat(frame(100)).isEmpty();
        assertThat(frame(100, "", "", "a", "", "\r", "", "\n", "")).containsExactly(line("a"));
    }

    @Test
    void rejectsANonPositiveLimit() {
        assertThatThrownBy(() -> TlsPhaseFraming.flow(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TlsPhaseFraming.flow(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void limitOfOneOctet() {
        assertThat(frame(1, oneByteAtATime(bytes("a\r\nab\r\n\r\nb\r\n"))))
                .containsExactly(line("a"), OVERLONG, line(""), line("b"));
    }
}
