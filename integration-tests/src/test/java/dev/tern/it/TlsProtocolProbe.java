package dev.tern.it;

import java.security.Security;

import javax.net.ssl.SSLSocket;

/**
 * Run as its own JVM: a TLS handshake with only the given protocol enabled, after
 * clearing {@code jdk.tls.disabledAlgorithms} so that this client really offers old
 * versions (TLSv1.1) and a refusal demonstrably comes from the server. Prints
 * {@code OK <protocol> <cipher>} and exits 0, or {@code FAILED <exception>} and exits 3.
 * (A JVM of its own, because the property is read once per JVM, when TLS is first used.)
 */
public final class TlsProtocolProbe {

    private TlsProtocolProbe() {
    }

    public static void main(String[] args) {
        Security.setProperty("jdk.tls.disabledAlgorithms", "");
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String protocol = args[2];
        try (SSLSocket tls = TlsClient.handshake(host, port, protocol)) {
            System.out.println("OK " + tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite());
            System.exit(0);
        } catch (Exception e) {
            System.out.println("FAILED " + e);
            System.exit(3);
        }
    }
}
