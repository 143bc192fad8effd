package dev.tern.streams;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.tern.testing.TestTls;

/** The connection pipeline over a real socket on 127.0.0.1, with a scripted stand-in for the session. */
class StartTlsServerConnectionTest {

    /** The connection under test always can switch to TLS; these tests stay in clear. */
    private static final Supplier<SSLEngine> ENGINES = engines();

    private static Supplier<SSLEngine> engines() {
        try {
            return TlsEngines.server(TestTls.serverContext());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final long TIMEOUT_SECONDS = 10;

    private static ActorTestKit testKit;
    private static Materializer materializer;

    private Tcp.ServerBinding binding;
    /** The end of each accepted connection's input, as the flow materializes it. */
    private final BlockingQueue<CompletionStage<Done>> inputEnds = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        materializer = Materializer.matFromSystem(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void unbind() throws Exception {
        if (binding != null) {
            binding.unbind().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * Binds a server whose session is {@code session(lines, port)}: each batch is handed to it,
     * and the next is asked for once the returned stage completes; returns the address.
     */
    private InetSocketAddress serve(BiFunction<List<InputLine>, ConnectionPort, CompletionStage<?>> session)
            throws Exception {
        binding = Tcp.get(testKit.system()).bind("127.0.0.1", 0)
                .to(Sink.foreach(connection -> {
                    ConnectionPort port = connection.handleWith(
                            StartTlsServerConnection.flow(998, ENGINES, StartTlsStage.Start.IN_CLEAR), materializer)
                            .port();
                    CompletableFuture<Done> ended = new CompletableFuture<>();
                    inputEnds.add(ended);
                    port.open(input -> {
                        if (input instanceof SessionInput.Lines lines) {
                            session.apply(lines.lines(), port).thenRun(port::requestInput);
                        } else if (input instanceof SessionInput.Ended) {
                            ended.complete(Done.getInstance());
                        }
                    });
                    port.requestInput();
                }))
                .run(materializer)
                .toCompletableFuture()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return binding.localAddress();
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(ISO_8859_1));
        out.flush();
    }

    /** Reads until {@code expected} octets arrived (or the read times out). */
    private static String read(Socket socket, int expected) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (received.size() < expected) {
            int n = in.read(buffer, 0, Math.min(buffer.length, expected - received.size()));
            if (n < 0) {
                break;
            }
            received.write(buffer, 0, n);
        }
        return received.toString(ISO_8859_1);
    }

    private static String text(InputLine line) {
        return line instanceof InputLine.Line text ? text.bytes().decodeString(ISO_8859_1) : "<overlong>";
    }

    private static CompletionStage<Done> echo(List<InputLine> lines, ConnectionPort channel) {
        StringBuilder out = new StringBuilder();
        for (InputLine line : lines) {
            out.append("250 ").append(text(line)).append("\r\n");
        }
        channel.send(ByteString.fromString(out.toString(), ISO_8859_1));
        if (lines.stream().anyMatch(line -> text(line).equals("QUIT"))) {
            channel.close();
        }
        return CompletableFuture.completedFuture(Done.getInstance());
    }

    @Test
    void linesGoToTheSessionAndRepliesComeBackInOrder() throws Exception {
        InetSocketAddress address = serve(StartTlsServerConnectionTest::echo);
        try (Socket client = connect(address)) {
            write(client, "EHLO x\r\nNOOP\r\n");
            String expected = "250 EHLO x\r\n250 NOOP\r\n";
            assertThat(read(client, expected.length())).isEqualTo(expected);

            write(client, "bare\nLF\r\n" + "y".repeat(2000) + "\r\nafter\r\n");
            expected = "250 bare\nLF\r\n250 <overlong>\r\n250 after\r\n";
            assertThat(read(client, expected.length())).isEqualTo(expected);
        }
    }

    @Test
    void closingThePortSendsWhatIsQueuedThenClosesTheConnection() throws Exception {
        InetSocketAddress address = serve(StartTlsServerConnectionTest::echo);
        try (Socket client = connect(address)) {
            write(client, "NOOP\r\nQUIT\r\n");
            String expected = "250 NOOP\r\n250 QUIT\r\n";
            assertThat(read(client, expected.length())).isEqualTo(expected);
            assertThat(client.getInputStream().read()).as("end of stream after the last reply").isEqualTo(-1);
        }
        CompletionStage<Done> ended = inputEnds.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(ended).isNotNull();
        ended.toCompletableFuture().handle((done, failure) -> "ended").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void theNextBatchWaitsUntilTheSessionHasHandledTheLastOne() throws Exception {
        BlockingQueue<List<String>> calls = new LinkedBlockingQueue<>();
        CompletableFuture<Done> firstHandled = new CompletableFuture<>();
        InetSocketAddress address = serve((lines, channel) -> {
            List<String> texts = lines.stream().map(StartTlsServerConnectionTest::text).toList();
            calls.add(texts);
            echo(lines, channel);
            return texts.contains("SLOW") ? firstHandled : CompletableFuture.completedFuture(Done.getInstance());
        });
        try (Socket client = connect(address)) {
            write(client, "SLOW\r\n");
            assertThat(calls.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS)).containsExactly("SLOW");
            assertThat(read(client, "250 SLOW\r\n".length())).isEqualTo("250 SLOW\r\n");

            write(client, "NEXT\r\n");
            assertThat(calls.poll(500, TimeUnit.MILLISECONDS))
                    .as("no batch reaches the session while the last one is unhandled")
                    .isNull();

            firstHandled.complete(Done.getInstance());
            assertThat(calls.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS)).containsExactly("NEXT");
            assertThat(read(client, "250 NEXT\r\n".length())).isEqualTo("250 NEXT\r\n");
        }
    }

    @Test
    void theMaterializedValueCompletesWhenTheClientCloses() throws Exception {
        InetSocketAddress address = serve(StartTlsServerConnectionTest::echo);
        try (Socket client = connect(address)) {
            write(client, "NOOP\r\n");
            assertThat(read(client, "250 NOOP\r\n".length())).isEqualTo("250 NOOP\r\n");
        }
        CompletionStage<Done> ended = inputEnds.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(ended).isNotNull();
        String outcome = ended.toCompletableFuture()
                .handle((done, failure) -> failure == null ? "done" : "failed")
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(outcome).isIn("done", "failed"); // either way it completes: the session learns the input ended
    }

    /**
     * A client that pipelines without reading is throttled by TCP: the connection stops
     * reading once the replies it holds reach the limit, so the client's writes stall long
     * before it has sent 64 MB. Nothing is lost: once it reads, every reply comes, in order.
     */
    @Test
    void aClientThatDoesNotReadIsThrottledAndLosesNoReply() throws Exception {
        java.util.concurrent.atomic.AtomicLong handled = new java.util.concurrent.atomic.AtomicLong();
        InetSocketAddress address = serve((lines, channel) -> {
            handled.addAndGet(lines.size());
            return echo(lines, channel);
        });
        byte[] chunk = "NOOP\r\n".repeat(10_000).getBytes(ISO_8859_1);
        long limit = 64L << 20;
        try (Socket client = connect(address)) {
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            Thread flood = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    while (written.get() < limit) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException closed) {
                    // the test closes the socket
                }
            });
            flood.setDaemon(true);
            flood.start();
            flood.join(5_000);
            assertThat(flood.isAlive()).as("the flood is stalled by TCP backpressure").isTrue();
            long stalledAt = written.get();
            assertThat(stalledAt).isLessThan(limit);
            Thread.sleep(500);
            assertThat(written.get()).as("still stalled").isEqualTo(stalledAt);
            // what the server took in: replies the kernel buffers hold, plus at most the reply limit
            long repliesOctets = handled.get() * "250 NOOP\r\n".length();
            assertThat(repliesOctets).isLessThan(32L << 20);

            // now read: the replies come out in order, and the flood moves again
            long lines = 200_000;
            InputStream in = client.getInputStream();
            byte[] expected = "250 NOOP\r\n".getBytes(ISO_8859_1);
            for (long n = 0; n < lines; n++) {
                for (byte b : expected) {
                    int got = in.read();
                    assertThat(got).as("octet of reply %d", n).isEqualTo(b & 0xff);
                }
            }
            assertThat(written.get()).as("the flood resumed once replies were read").isGreaterThan(stalledAt);
        }
    }
}
