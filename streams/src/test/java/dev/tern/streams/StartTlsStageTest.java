package dev.tern.streams;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.TLSRole;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.testing.TestTls;

/**
 * STARTTLS over real sockets on 127.0.0.1: a scripted SMTP-like session behind
 * {@link StartTlsServerConnection}, driven by a plain {@link Socket} that is wrapped in an
 * {@link SSLSocket} after the 220, or by a second {@link StartTlsStage} in the client role.
 */
class StartTlsStageTest {

    static {
        // Let this JVM's clients offer TLSv1.1 at all (the JDK disables it by default), so that
        // the TLSv1.1 test shows the *server's* settings refusing it. Set before any TLS class
        // reads the property; only this test class uses TLS in this module.
        String disabled = Security.getProperty("jdk.tls.disabledAlgorithms");
        if (disabled != null) {
            Security.setProperty("jdk.tls.disabledAlgorithms", Arrays.stream(disabled.split(","))
                    .map(String::trim)
                    .filter(algorithm -> !algorithm.equals("TLSv1") && !algorithm.equals("TLSv1.1"))
                    .collect(Collectors.joining(", ")));
        }
    }

    private static final long TIMEOUT_SECONDS = 10;

    private static ActorTestKit testKit;
    private static Materializer materializer;
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    private Tcp.ServerBinding binding;
    private final BlockingQueue<ScriptedSession> sessions = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        testKit = ActorTestKit.create();
        materializer = Materializer.matFromSystem(testKit.system());
        serverContext = TestTls.serverContext();
        clientContext = OpportunisticTls.context();
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

    // ---------------------------------------------------------------- the tests

    @Test
    void switchesToTlsAfterThe220AndEchoesInsideTls() throws Exception {
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "EHLO client\r\n");
            assertThat(readLine(plain.getInputStream())).isEqualTo("250 EHLO client");
            write(plain, "STARTTLS\r\n");
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");

            SSLSocket tls = wrap(plain, address);
            tls.startHandshake();
            write(tls, "EHLO client\r\n");
            assertThat(readLine(tls.getInputStream())).isEqualTo("250 EHLO client");
            write(tls, "QUIT\r\n");
            assertThat(readToEnd(tls.getInputStream())).isEqualTo("221 bye\r\n");

            ScriptedSession session = session();
            TlsInbound.Established established = session.handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(established.protocol()).isEqualTo(tls.getSession().getProtocol());
            assertThat(established.cipherSuite()).isEqualTo(tls.getSession().getCipherSuite());
            assertThat(session.tlsStarted).isEqualTo(established);
            assertThat(session.linesInClear).containsExactly("EHLO client", "STARTTLS");
            assertThat(session.linesInTls).containsExactly("EHLO client", "QUIT");
        }
    }

    @Test
    void aConnectionThatNeverSwitchesStaysPlain() throws Exception {
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "EHLO client\r\nQUIT\r\n");
            assertThat(readToEnd(plain.getInputStream())).isEqualTo("250 EHLO client\r\n221 bye\r\n");
            assertThatThrownBy(() -> session().handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SSLException.class);
        }
    }

    /** CVE-2011-0411: a command pipelined after STARTTLS in clear must never be answered inside TLS. */
    @Test
    void discardsCommandsPipelinedAfterStartTls() throws Exception {
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "STARTTLS\r\nRSET\r\n"); // one write: one TCP segment
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");

            SSLSocket tls = wrap(plain, address);
            tls.startHandshake();
            write(tls, "NOOP\r\n");
            assertThat(readLine(tls.getInputStream())).isEqualTo("250 NOOP");
            write(tls, "QUIT\r\n");
            assertThat(readToEnd(tls.getInputStream())).isEqualTo("221 bye\r\n");

            ScriptedSession session = session();
            assertThat(session.discarded).containsExactly("RSET");
            assertThat(session.linesInTls).containsExactly("NOOP", "QUIT");
        }
    }

    /** A partial line sent in clear after STARTTLS is dropped with the cleartext framing, not glued to the first TLS line. */
    @Test
    void discardsAPartialLineLeftInTheFramingBuffer() throws Exception {
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "STARTTLS\r\nMAIL FROM:<mallory@example.com>");
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");

            SSLSocket tls = wrap(plain, address);
            tls.startHandshake();
            write(tls, "NOOP\r\n");
            assertThat(readLine(tls.getInputStream())).isEqualTo("250 NOOP");
            write(tls, "QUIT\r\n");
            assertThat(readToEnd(tls.getInputStream())).isEqualTo("221 bye\r\n");
            assertThat(session().linesInTls).containsExactly("NOOP", "QUIT");
        }
    }

    @Test
    void negotiatesTls13() throws Exception {
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "STARTTLS\r\n");
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");
            SSLSocket tls = wrap(plain, address);
            tls.setEnabledProtocols(new String[] {"TLSv1.3"});
            tls.startHandshake();
            write(tls, "NOOP\r\n");
            assertThat(readLine(tls.getInputStream())).isEqualTo("250 NOOP");
            assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(session().handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).protocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void negotiatesTls12() throws Exception {
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "STARTTLS\r\n");
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");
            SSLSocket tls = wrap(plain, address);
            tls.setEnabledProtocols(new String[] {"TLSv1.2"});
            tls.startHandshake();
            write(tls, "NOOP\r\n");
            assertThat(readLine(tls.getInputStream())).isEqualTo("250 NOOP");
            TlsInbound.Established established = session().handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(established.protocol()).isEqualTo("TLSv1.2");
            assertThat(established.cipherSuite()).isEqualTo(tls.getSession().getCipherSuite());
        }
    }

    @Test
    void refusesATls11OnlyClient() throws Exception {
        assertThat(TlsEngines.server(serverContext).get().getEnabledProtocols())
                .containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        InetSocketAddress address = serve();
        try (Socket plain = connect(address)) {
            write(plain, "STARTTLS\r\n");
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");
            SSLSocket tls = wrap(plain, address);
            tls.setEnabledProtocols(new String[] {"TLSv1.1"});
            // the client really offers TLSv1.1 (it does not refuse locally) and the server refuses it
            assertThatThrownBy(tls::startHandshake).isInstanceOf(SSLException.class)
                    .hasMessageContaining("protocol_version");
            assertThatThrownBy(() -> session().handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .rootCause().hasMessageContaining("TLSv1.1");
            assertThat(session().tlsStarted).isNull();
        }
    }

    /** Two stages over TCP: the client-role one starts its handshake only when told, after the server's 220. */
    @Test
    void clientRoleTalksToServerRole() throws Exception {
        InetSocketAddress address = serve();
        BidiFlowMat client = clientConnection(address);

        client.send(new TlsOutbound.Bytes(ascii("EHLO client\r\n")));
        assertThat(client.readBytes("250 EHLO client\r\n")).isEqualTo("250 EHLO client\r\n");
        client.send(new TlsOutbound.Bytes(ascii("STARTTLS\r\n")));
        assertThat(client.readBytes("220 ready\r\n")).isEqualTo("220 ready\r\n");
        client.send(new TlsOutbound.StartTls());
        client.send(new TlsOutbound.Bytes(ascii("NOOP\r\n"))); // held by TLS until the handshake is done

        TlsInbound first = client.next();
        assertThat(first).isInstanceOf(TlsInbound.Established.class);
        TlsInbound.Established clientSide = (TlsInbound.Established) first;
        assertThat(client.handshake.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(clientSide);
        assertThat(client.readBytes("250 NOOP\r\n")).isEqualTo("250 NOOP\r\n");

        client.send(new TlsOutbound.Bytes(ascii("QUIT\r\n")));
        assertThat(client.readBytes("221 bye\r\n")).isEqualTo("221 bye\r\n");
        assertThat(client.next()).isNull(); // the server closed the TLS session and the connection

        TlsInbound.Established serverSide = session().handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(serverSide.protocol()).isEqualTo(clientSide.protocol()).isEqualTo("TLSv1.3");
        assertThat(serverSide.cipherSuite()).isEqualTo(clientSide.cipherSuite());
        assertThat(session().linesInTls).containsExactly("NOOP", "QUIT");
    }

    /**
     * The stage alone: a network read already requested in clear that arrives after the
     * switch goes into the handshake — here it is cleartext, so the handshake fails — and is
     * never handed to the application as data.
     */
    @Test
    void aReadArrivingAfterTheSwitchNeverReachesTheApplicationInClear() throws Exception {
        var net = Flow.fromSinkAndSourceMat(Sink.<ByteString>queue(), Source.<ByteString>queue(16), Keep.both());
        var stage = StartTlsStage.create(TLSRole.server(), TlsEngines.server(serverContext)).join(net, Keep.both());
        var run = Source.<TlsOutbound>queue(16).viaMat(stage, Keep.both())
                .toMat(Sink.<TlsInbound>queue(), Keep.both()).run(materializer);
        BoundedSourceQueue<TlsOutbound> appOut = run.first().first();
        CompletionStage<TlsInbound.Established> handshake = run.first().second().first();
        SinkQueueWithCancel<ByteString> netOut = run.first().second().second().first();
        BoundedSourceQueue<ByteString> netIn = run.first().second().second().second();
        SinkQueueWithCancel<TlsInbound> appIn = run.second();

        netIn.offer(ascii("STARTTLS\r\n"));
        assertThat(await(appIn.pull())).contains(new TlsInbound.Bytes(ascii("STARTTLS\r\n")));
        appOut.offer(new TlsOutbound.StartTls(ascii("220 ready\r\n")));
        assertThat(await(netOut.pull())).contains(ascii("220 ready\r\n")); // the stage has switched
        netIn.offer(ascii("RSET\r\n")); // the application's demand was already passed on in clear

        assertThatThrownBy(() -> await(appIn.pull())).isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(SSLException.class);
        assertThatThrownBy(() -> handshake.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
    }

    // ---------------------------------------------------------------- the server side

    /** An SMTP-like session: 250-echoes lines, 220 + switch on STARTTLS, 221 + close on QUIT. */
    private static final class ScriptedSession {
        final ConnectionPort channel;
        final CompletableFuture<TlsInbound.Established> handshake = new CompletableFuture<>();
        final List<String> linesInClear = Collections.synchronizedList(new ArrayList<>());
        final List<String> linesInTls = Collections.synchronizedList(new ArrayList<>());
        final List<String> discarded = Collections.synchronizedList(new ArrayList<>());
        volatile TlsInbound.Established tlsStarted;
        /** Between accepting STARTTLS and the TLS marker: every line is cleartext injected after STARTTLS. */
        private boolean awaitingTls;

        ScriptedSession(ConnectionPort channel) {
            this.channel = channel;
        }

        void handle(SessionInput input) {
            if (input instanceof SessionInput.TlsStarted started) {
                awaitingTls = false;
                tlsStarted = started.tls();
            } else if (input instanceof SessionInput.Lines lines) {
                for (InputLine line : lines.lines()) {
                    handle(line instanceof InputLine.Line text ? text.bytes().decodeString(ISO_8859_1) : "<overlong>");
                }
            } else {
                return; // Ended, or Writable (never asked for)
            }
            channel.requestInput();
        }

        private void handle(String line) {
            if (awaitingTls) {
                discarded.add(line);
                return;
            }
            (tlsStarted == null ? linesInClear : linesInTls).add(line);
            if (line.equals("STARTTLS") && tlsStarted == null) {
                channel.startTls(ascii("220 ready\r\n"));
                awaitingTls = true;
            } else if (line.equals("QUIT")) {
                channel.send(ascii("221 bye\r\n"));
                channel.close();
            } else {
                channel.send(ascii("250 " + line + "\r\n"));
            }
        }
    }

    private InetSocketAddress serve() throws Exception {
        binding = Tcp.get(testKit.system()).bind("127.0.0.1", 0)
                .to(Sink.foreach(connection -> {
                    StartTlsServerConnection.Connection ends = connection.handleWith(
                            StartTlsServerConnection.flow(998, TlsEngines.server(serverContext),
                                    StartTlsStage.Start.IN_CLEAR),
                            materializer);
                    ScriptedSession session = new ScriptedSession(ends.port());
                    ends.port().open(session::handle);
                    ends.port().requestInput();
                    ends.handshake().whenComplete((established, failure) -> {
                        if (failure != null) {
                            session.handshake.completeExceptionally(failure);
                        } else {
                            session.handshake.complete(established);
                        }
                    });
                    sessions.add(session);
                }))
                .run(materializer)
                .toCompletableFuture()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return binding.localAddress();
    }

    private ScriptedSession session() throws InterruptedException {
        ScriptedSession session = sessions.peek();
        if (session == null) {
            session = sessions.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(session).as("a session for the connection").isNotNull();
            sessions.add(session);
        }
        return session;
    }

    // ---------------------------------------------------------------- the client-role side

    /** A client connection through a client-role {@link StartTlsStage}, driven element by element. */
    private static final class BidiFlowMat {
        final BoundedSourceQueue<TlsOutbound> out;
        final CompletionStage<TlsInbound.Established> handshake;
        final SinkQueueWithCancel<TlsInbound> in;
        private final StringBuilder received = new StringBuilder();

        BidiFlowMat(BoundedSourceQueue<TlsOutbound> out, CompletionStage<TlsInbound.Established> handshake,
                    SinkQueueWithCancel<TlsInbound> in) {
            this.out = out;
            this.handshake = handshake;
            this.in = in;
        }

        void send(TlsOutbound element) {
            assertThat(out.offer(element).toString()).contains("Enqueued");
        }

        /** The next element, or null at the end of the stream. */
        TlsInbound next() throws Exception {
            return await(in.pull()).orElse(null);
        }

        /** Reads bytes until {@code expected} arrived; fails on any other element. */
        String readBytes(String expected) throws Exception {
            while (received.length() < expected.length()) {
                TlsInbound element = next();
                assertThat(element).as("more bytes").isInstanceOf(TlsInbound.Bytes.class);
                received.append(((TlsInbound.Bytes) element).bytes().decodeString(ISO_8859_1));
            }
            String text = received.substring(0, expected.length());
            received.delete(0, expected.length());
            return text;
        }
    }

    private BidiFlowMat clientConnection(InetSocketAddress address) throws Exception {
        var tcp = Tcp.get(testKit.system()).outgoingConnection(address.getHostString(), address.getPort());
        var client = StartTlsStage.create(TLSRole.client(),
                TlsEngines.client(clientContext, "localhost", address.getPort())).join(tcp, Keep.left());
        var run = Source.<TlsOutbound>queue(16).viaMat(client, Keep.both())
                .toMat(Sink.<TlsInbound>queue(), Keep.both()).run(materializer);
        return new BidiFlowMat(run.first().first(), run.first().second(), run.second());
    }

    // ---------------------------------------------------------------- helpers

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static ByteString ascii(String text) {
        return ByteString.fromString(text, ISO_8859_1);
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    private static SSLSocket wrap(Socket plain, InetSocketAddress address) throws IOException {
        SSLSocket tls = (SSLSocket) clientContext.getSocketFactory()
                .createSocket(plain, "localhost", address.getPort(), true);
        tls.setUseClientMode(true);
        tls.setSoTimeout(5000);
        return tls;
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(ISO_8859_1));
        out.flush();
    }

    /** One CRLF-terminated line, without the CRLF, read octet by octet so nothing after it is consumed. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int octet = in.read();
            if (octet < 0) {
                throw new EOFException("connection closed after \"" + line.toString(ISO_8859_1) + "\"");
            }
            if (previous == '\r' && octet == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, ISO_8859_1);
            }
            line.write(octet);
            previous = octet;
        }
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            all.write(buffer, 0, n);
        }
        return all.toString(ISO_8859_1);
    }

}
