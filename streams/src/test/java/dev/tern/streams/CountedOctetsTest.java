package dev.tern.streams;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.tern.testing.TestTls;

/**
 * RFC 3030 BDAT framing: after a BDAT line the session asks for exactly the announced octets,
 * which come as they were sent, however the network cut them, and then lines again.
 */
class CountedOctetsTest {

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

    private static ByteString bytes(String text) {
        return ByteString.fromString(text, ISO_8859_1);
    }

    /**
     * A stand-in for the session: lines are recorded as {@code line:TEXT}, a BDAT line (outside
     * a pretend DATA phase, from {@code DATA} to {@code .}) asks for its octets, which are
     * recorded as one {@code octets:TEXT} however many parts they came in. Each event may be
     * answered on {@code port} as {@code replies} says.
     */
    private static final class ScriptedSession {
        final List<String> events = new ArrayList<>();
        final CompletableFuture<List<String>> ended = new CompletableFuture<>();
        final List<Integer> partSizes = new ArrayList<>();
        private ConnectionPort port;
        private boolean inData;
        private long wanted;
        private StringBuilder run;
        private final boolean replies;

        ScriptedSession(boolean replies) {
            this.replies = replies;
        }

        void attach(ConnectionPort connection) {
            this.port = connection;
            connection.open(this::onInput);
            connection.requestInput();
        }

        private synchronized void onInput(SessionInput input) {
            if (input instanceof SessionInput.Lines lines) {
                long announced = 0;
                for (InputLine line : lines.lines()) {
                    String text = line instanceof InputLine.Line l ? l.bytes().decodeString(ISO_8859_1) : "<overlong>";
                    events.add("line:" + text);
                    reply("250 " + text);
                    if (inData) {
                        inData = !text.equals(".");
                    } else if (text.equals("DATA")) {
                        inData = true;
                    } else if (text.toUpperCase(Locale.ROOT).startsWith("BDAT ")) {
                        announced = Long.parseLong(text.split(" ")[1]);
                    }
                }
                if (announced > 0) {
                    wanted = announced;
                    run = new StringBuilder();
                    port.requestOctets(announced);
                } else {
                    port.requestInput();
                }
            } else if (input instanceof SessionInput.Octets octets) {
                partSizes.add(octets.bytes().size());
                run.append(octets.bytes().decodeString(ISO_8859_1));
                wanted -= octets.bytes().size();
                if (wanted < 0) {
                    events.add("too many octets");
                }
                if (wanted <= 0) {
                    events.add("octets:" + run);
                    reply("250 " + run.length() + " octets received");
                }
                port.requestInput();
            } else if (input instanceof SessionInput.Ended) {
                ended.complete(List.copyOf(events));
            }
        }

        private void reply(String text) {
            if (replies) {
                port.send(bytes(text + "\r\n"));
            }
        }
    }

    @Nested
    class InMemory {

        /** A session fed these reads through the framing and a bridge, as a connection hands them over. */
        private ScriptedSession run(List<ByteString> reads) {
            ScriptedSession session = new ScriptedSession(false);
            session.attach(Source.from(reads)
                    .<TlsInbound>map(TlsInbound.Bytes::new)
                    .viaMat(TlsPhaseFraming.countingFlow(998).viaMat(Flow.fromGraph(new SessionBridge()),
                            (counting, bridge) -> new CountingPort(bridge, counting)), Keep.right())
                    .to(Sink.ignore())
                    .run(materializer));
            try {
                session.ended.get(10, TimeUnit.SECONDS);
                return session;
            } catch (Exception e) {
                throw new AssertionError("session did not end; events " + session.events, e);
            }
        }

        /** The events of a session fed these reads. */
        private List<String> session(List<ByteString> reads) {
            return run(reads).ended.join();
        }

        private List<String> session(String... chunks) {
            return session(List.of(chunks).stream().map(CountedOctetsTest::bytes).toList());
        }

        /** A chunk with a CRLF split across chunks, a lone dot line, a BDAT look-alike inside, pipelined commands behind. */
        private static final String PIPELINED = "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
                + "BDAT 14\r\nab\r\n.\r\nBDAT 1\r"
                + "BDAT 9 LAST\r\n\ncd\r\n.\r\nx\r\n"
                + "QUIT\r\n";
        private static final List<String> PIPELINED_EVENTS = List.of(
                "line:EHLO x", "line:MAIL FROM:<a@b>", "line:RCPT TO:<c@d>",
                "line:BDAT 14", "octets:ab\r\n.\r\nBDAT 1\r",
                "line:BDAT 9 LAST", "octets:\ncd\r\n.\r\nx",
                "line:", "line:QUIT");

        @Test
        void octetsOfEachChunkComeAsTheyWereSentAndLinesResumeAfter() {
            assertThat(session(PIPELINED)).containsExactlyElementsOf(PIPELINED_EVENTS);
        }

        @Test
        void everySplitPointIntoTwoReadsGivesTheSameEvents() {
            for (int i = 0; i <= PIPELINED.length(); i++) {
                assertThat(session(PIPELINED.substring(0, i), PIPELINED.substring(i)))
                        .as("split at %d", i).containsExactlyElementsOf(PIPELINED_EVENTS);
            }
        }

        @Test
        void oneOctetAtATimeGivesTheSameEvents() {
            String[] single = PIPELINED.chars().mapToObj(c -> String.valueOf((char) c)).toArray(String[]::new);
            assertThat(session(single)).containsExactlyElementsOf(PIPELINED_EVENTS);
        }

        @Test
        void randomReadsGiveTheSameEvents() {
            Random random = new Random(3030);
            for (int round = 0; round < 200; round++) {
                List<ByteString> chunks = new ArrayList<>();
                int at = 0;
                while (at < PIPELINED.length()) {
                    int next = Math.min(PIPELINED.length(), at + 1 + random.nextInt(20));
                    chunks.add(bytes(PIPELINED.substring(at, next)));
                    at = next;
                }
                assertThat(session(chunks)).as("round %d", round).containsExactlyElementsOf(PIPELINED_EVENTS);
            }
        }

        @Test
        void aBdatLineInsideDataIsContentAndLinesGoOn() {
            assertThat(session("DATA\r\nBDAT 5\r\nhello\r\n.\r\nNOOP\r\n")).containsExactly(
                    "line:DATA", "line:BDAT 5", "line:hello", "line:.", "line:NOOP");
        }

        @Test
        void bdatInAnyCaseMayAnnounceOctets() {
            assertThat(session("bdat 3\r\nabcNOOP\r\n")).containsExactly("line:bdat 3", "octets:abc", "line:NOOP");
        }

        @Test
        void binaryOctetsWithNulsAndBareCrLfPassUntouched() {
            String binary = "\u0000\r\u00ff\n\r\n.\r\n\u0000";
            assertThat(session("BDAT " + binary.length() + " LAST\r\n" + binary + "QUIT\r\n"))
                    .containsExactly("line:BDAT " + binary.length() + " LAST", "octets:" + binary, "line:QUIT");
        }

        @Test
        void aLongChunkComesInPartsNoneLongerThanARead() {
            String content = "x".repeat(300_000);
            List<ByteString> reads = new ArrayList<>();
            reads.add(bytes("BDAT 300000 LAST\r\n"));
            for (int i = 0; i < content.length(); i += 10_000) {
                reads.add(bytes(content.substring(i, i + 10_000)));
            }
            reads.add(bytes("QUIT\r\n"));
            ScriptedSession session = run(reads);

            assertThat(session.ended.join()).containsExactly("line:BDAT 300000 LAST", "octets:" + content, "line:QUIT");
            assertThat(session.partSizes).allMatch(size -> size <= 10_000).hasSizeGreaterThanOrEqualTo(30);
        }

        @Test
        void mayAnnounceMatchesTheVerbOnly() {
            assertThat(CountedOctets.mayAnnounce(bytes("BDAT 1"))).isTrue();
            assertThat(CountedOctets.mayAnnounce(bytes("BDAT"))).isTrue();
            assertThat(CountedOctets.mayAnnounce(bytes("bDaT 7 last"))).isTrue();
            assertThat(CountedOctets.mayAnnounce(bytes("BDATA 1"))).isFalse();
            assertThat(CountedOctets.mayAnnounce(bytes("BDA"))).isFalse();
            assertThat(CountedOctets.mayAnnounce(bytes(" BDAT 1"))).isFalse();
            assertThat(CountedOctets.mayAnnounce(bytes("DATA"))).isFalse();
        }
    }

    @Nested
    class OverTcp {

        private final Supplier<SSLEngine> engines = engines();

        private Supplier<SSLEngine> engines() {
            try {
                return TlsEngines.server(TestTls.serverContext());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private Tcp.ServerBinding serve() throws Exception {
            return Tcp.get(testKit.system()).bind("127.0.0.1", 0)
                    .to(Sink.foreach(connection -> new ScriptedSession(true).attach(connection.handleWith(
                            StartTlsServerConnection.flow(998, engines, StartTlsStage.Start.IN_CLEAR), materializer)
                            .port())))
                    .run(materializer).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        private String readReplies(Socket socket, int count) throws IOException {
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            int lines = 0;
            while (lines < count) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                text.append((char) b);
                if (b == '\n') {
                    lines++;
                }
            }
            return text.toString();
        }

        @Test
        void chunksSplitAcrossTcpSegmentsArriveWhole() throws Exception {
            Tcp.ServerBinding binding = serve();
            try (Socket client = new Socket()) {
                client.setTcpNoDelay(true);
                client.connect(binding.localAddress(), 5000);
                client.setSoTimeout(5000);
                OutputStream out = client.getOutputStream();
                String[] segments = {"BDAT 11\r\nabc\r", "\n.\r\n", "xyz", "BDA", "T 5 LAST\r\n\r", "\n.\r", "\nNOOP\r\n"};
                for (String segment : segments) {
                    out.write(segment.getBytes(ISO_8859_1));
                    out.flush();
                    Thread.sleep(30); // separate segments, separate reads
                }
                assertThat(readReplies(client, 5)).isEqualTo("250 BDAT 11\r\n250 11 octets received\r\n"
                        + "250 BDAT 5 LAST\r\n250 5 octets received\r\n250 NOOP\r\n");
            } finally {
                binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }

        @Test
        void pipelinedBdatCommandsAndDataInOneWriteAreAnsweredInOrder() throws Exception {
            Tcp.ServerBinding binding = serve();
            try (Socket client = new Socket()) {
                client.connect(binding.localAddress(), 5000);
                client.setSoTimeout(5000);
                client.getOutputStream().write(("BDAT 3\r\nabcBDAT 0\r\nBDAT 2 LAST\r\nz\nNOOP\r\n").getBytes(ISO_8859_1));
                client.getOutputStream().flush();
                assertThat(readReplies(client, 6)).isEqualTo("250 BDAT 3\r\n250 3 octets received\r\n"
                        + "250 BDAT 0\r\n250 BDAT 2 LAST\r\n250 2 octets received\r\n250 NOOP\r\n");
            } finally {
                binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }
}
