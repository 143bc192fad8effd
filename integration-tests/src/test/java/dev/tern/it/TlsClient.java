package dev.tern.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS on the client side: a context that trusts any certificate, certificate helpers. */
public final class TlsClient {

    private TlsClient() {
    }

    /** A client context that accepts any server certificate (Tern's is self-signed in the tests). */
    public static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustAll()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Implicit TLS straight to host:port with only the given protocols enabled; handshake done. */
    public static SSLSocket handshake(String host, int port, String... protocols) throws IOException {
        return handshake(host, port, HANDSHAKE_TIMEOUT, protocols);
    }

    /** How long a handshake may take on loopback before a test calls it hung. */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** As {@link #handshake(String, int, String...)}, every read bounded by the timeout. */
    public static SSLSocket handshake(String host, int port, Duration timeout, String... protocols) throws IOException {
        java.net.Socket plain = new java.net.Socket();
        plain.connect(new InetSocketAddress(host, port), 10_000);
        plain.setSoTimeout((int) timeout.toMillis());
        SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, host, port, true);
        if (protocols.length > 0) {
            tls.setEnabledProtocols(protocols);
        }
        try {
            tls.startHandshake();
        } catch (IOException e) {
            tls.close();
            throw e;
        }
        return tls;
    }

    /** The certificate the server presents on its smtps port (its chain's first). */
    public static X509Certificate servedCertificate(String host, int port) {
        try (SSLSocket tls = handshake(host, port)) {
            return (X509Certificate) tls.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw new AssertionError("TLS handshake with " + host + ":" + port + " failed: " + e, e);
        }
    }

    /** Every certificate in a PEM file. */
    public static List<X509Certificate> readPem(Path file) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Collection<? extends java.security.cert.Certificate> all =
                    factory.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
            List<X509Certificate> certificates = new ArrayList<>();
            all.forEach(c -> certificates.add((X509Certificate) c));
            return certificates;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (CertificateException e) {
            throw new AssertionError("cannot parse " + file + ": " + e, e);
        }
    }

    /** The subject alternative names as text ("127.0.0.1", "localhost", ...). */
    public static List<String> subjectAlternativeNames(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            List<String> text = new ArrayList<>();
            if (names != null) {
                for (List<?> name : names) {
                    text.add(String.valueOf(name.get(1)));
                }
            }
            return text;
        } catch (java.security.cert.CertificateParsingException e) {
            throw new AssertionError(e);
        }
    }

    /** base64 of the bytes, as SASL (RFC 4954) carries them. */
    public static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The AUTH PLAIN initial response: base64("\0user\0password"). */
    public static String plain(String user, String password) {
        return base64("\0" + user + "\0" + password);
    }
}
