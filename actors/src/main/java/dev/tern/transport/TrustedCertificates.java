package dev.tern.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code --tls-trust}: PEM CA certificates, one or more, as the JDK's certificate factory parses them. */
public final class TrustedCertificates {

    private TrustedCertificates() {
    }

    /**
     * @throws IOException when the file cannot be read, holds no certificate, or one does not parse;
     *                     the message names the file
     */
    public static List<X509Certificate> read(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (certificate instanceof X509Certificate x509) {
                    certificates.add(x509);
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not PEM certificates: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + ": no certificate in it");
        }
        return List.copyOf(certificates);
    }
}
