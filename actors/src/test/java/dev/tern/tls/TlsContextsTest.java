package dev.tern.tls;

import dev.tern.streams.TlsEngines;
import dev.tern.testing.TestCa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsContextsTest {

    private static final int TIMEOUT_MILLIS = 10_000;

    @TempDir
    Path data;

    private final ExecutorService server = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopServer() {
        server.shutdownNow();
    }

    @Test
    void serverEnginesSpeakTls13And12OnlyPreferTheServersSuitesAndWantNoClientCertificate() throws Exception {
        SSLContext context = TlsContexts.serverContext(SelfSignedCertificate.generate("mail.example.org"));

        SSLEngine engine = TlsEngines.server(context).get();

        assertThat(engine.getUseClientMode()).isFalse();
        assertThat(engine.getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        assertThat(engine.getNeedClientAuth()).isFalse();
        assertThat(engine.getWantClientAuth()).isFalse();
        assertThat(context.getProtocol()).isEqualTo("TLS");
    }

    @Test
    void theSupplierMakesAFreshEngineEachTime() throws Exception {
        SSLContext context = TlsContexts.serverContext(SelfSignedCertificate.generate("mail.example.org"));
        Supplier<SSLEngine> engines = TlsEngines.server(context);

        SSLEngine first = engines.get();
        SSLEngine second = engines.get();

        assertThat(first).isNotSameAs(second);
        assertThat(second.getUseClientMode()).isFalse();
        assertThat(second.getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    void aClientTrustingTheSelfSignedCertificateCompletesAHandshake() throws Exception {
        TlsCredentials credentials = SelfSignedCertificate.loadOrGenerate(data.resolve("tls"), "mail.example.org")
                .credentials();

        String protocol = handshake(credentials, TestCa.clientTrusting(credentials.certificate()), null);

        assertThat(protocol).isIn("TLSv1.3", "TLSv1.2");
    }

    @Test
    void anRsaKeyFromAPkcs1PemFileServesTooAndTls12IsOffered() throws Exception {
        var keys = TestPem.rsaKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        TlsCredentials credentials = PemCredentials.load(
                TestPem.write(data.resolve("cert.pem"), PemEncoding.certificates(made.chain())),
                TestPem.write(data.resolve("key.pem"), TestPem.pkcs1(keys.getPrivate())));

        assertThat(handshake(credentials, TestCa.clientTrusting(made.certificate()), null)).isIn("TLSv1.3", "TLSv1.2");
        assertThat(handshake(credentials, TestCa.clientTrusting(made.certificate()), new String[] {"TLSv1.2"}))
                .isEqualTo("TLSv1.2");
    }

    @Test
    void aClientLimitedToTls11FailsTheHandshake() throws Exception {
        TlsCredentials credentials = SelfSignedCertificate.generate("mail.example.org");

        assertThatThrownBy(() -> handshake(credentials, TestCa.clientTrusting(credentials.certificate()),
                new String[] {"TLSv1.1"}))
                .isInstanceOf(SSLException.class);
    }

    /**
     * The JDK's own client refuses TLS 1.1 before it reaches the server (it is disabled in java.security), so this
     * sends a TLS 1.1 ClientHello by hand: the server must answer with a fatal protocol_version alert.
     */
    @Test
    void theServerAnswersATls11ClientHelloWithAProtocolVersionAlert() throws Exception {
        TlsCredentials credentials = SelfSignedCertificate.generate("mail.example.org");
        SSLContext context = TlsContexts.serverContext(credentials);
        try (SSLServerSocket listener = serverSocket(context)) {
            Future<Throwable> serverSide = server.submit(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.setSoTimeout(TIMEOUT_MILLIS);
                    accepted.startHandshake();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                raw.setSoTimeout(TIMEOUT_MILLIS);
                OutputStream out = raw.getOutputStream();
                out.write(tls11ClientHello());
                out.flush();
                byte[] reply = new byte[7];
                new DataInputStream(raw.getInputStream()).readFully(reply);

                assertThat(reply[0]).as("record type alert").isEqualTo((byte) 21);
                assertThat(reply[5]).as("level fatal").isEqualTo((byte) 2);
                assertThat(reply[6]).as("description protocol_version").isEqualTo((byte) 70);
            }
            assertThat(serverSide.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining("TLSv1.1");
        }
    }

    @Test
    void aClientTrustingAnotherCertificateRejectsTheServer() throws Exception {
        TlsCredentials credentials = SelfSignedCertificate.generate("mail.example.org");
        X509Certificate other = SelfSignedCertificate.generate("mail.example.org").certificate();

        assertThatThrownBy(() -> handshake(credentials, TestCa.clientTrusting(other), null))
                .isInstanceOf(SSLException.class);
    }

    /**
     * Runs a server socket configured like the server's engines, connects a client to 127.0.0.1 that checks the
     * certificate names that address, sends a line through, and returns the negotiated protocol.
     */
    private String handshake(TlsCredentials credentials, SSLContext client, String[] clientProtocols)
            throws Exception {
        SSLContext context = TlsContexts.serverContext(credentials);
        try (SSLServerSocket listener = serverSocket(context)) {
            Future<String> serverSide = server.submit(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.setSoTimeout(TIMEOUT_MILLIS);
                    accepted.startHandshake();
                    InputStream in = accepted.getInputStream();
                    byte[] line = in.readNBytes(6);
                    accepted.getOutputStream().write(line);
                    accepted.getOutputStream().flush();
                    return accepted.getSession().getProtocol();
                } catch (IOException e) {
                    return "server failed: " + e;
                }
            });
            String protocol;
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1",
                    listener.getLocalPort())) {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
                if (clientProtocols != null) {
                    parameters.setProtocols(clientProtocols);
                }
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                socket.getOutputStream().write("EHLO\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(new String(socket.getInputStream().readNBytes(6), StandardCharsets.US_ASCII))
                        .isEqualTo("EHLO\r\n");
                protocol = socket.getSession().getProtocol();
            } // closed before waiting: the server's close waits for the client's close_notify
            assertThat(serverSide.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo(protocol);
            return protocol;
        }
    }

    private static SSLServerSocket serverSocket(SSLContext context) throws IOException {
        SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        listener.setSSLParameters(TlsEngines.serverParameters(context));
        listener.setSoTimeout(TIMEOUT_MILLIS);
        return listener;
    }

    /** A minimal TLS 1.1 ClientHello: ECDHE and RSA suites with AES-128-CBC-SHA, P-256, no session. */
    private static byte[] tls11ClientHello() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        byte[] suites = {(byte) 0xC0, 0x09, (byte) 0xC0, 0x13, 0x00, 0x2F};
        byte[] extensions = {
            0x00, 0x0A, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
            0x00, 0x0B, 0x00, 0x02, 0x01, 0x00,             // ec_point_formats: uncompressed
        };
        int bodyLength = 2 + 32 + 1 + 2 + suites.length + 2 + 2 + extensions.length;
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        hello.writeBytes(new byte[] {0x16, 0x03, 0x01}); // handshake record, version field TLS 1.0 as usual
        int recordLength = 4 + bodyLength;
        hello.write(recordLength >> 8);
        hello.write(recordLength);
        hello.write(0x01); // client_hello
        hello.write(bodyLength >> 16);
        hello.write(bodyLength >> 8);
        hello.write(bodyLength);
        hello.writeBytes(new byte[] {0x03, 0x02}); // TLS 1.1
        hello.writeBytes(random);
        hello.write(0); // no session id
        hello.write(suites.length >> 8);
        hello.write(suites.length);
        hello.writeBytes(suites);
        hello.writeBytes(new byte[] {0x01, 0x00}); // compression: null
        hello.write(extensions.length >> 8);
        hello.write(extensions.length);
        hello.writeBytes(extensions);
        return hello.toByteArray();
    }
}
