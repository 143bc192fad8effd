package dev.tern.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM text of certificates and of unencrypted PKCS#8 private keys, as OpenSSL writes them. */
public final class PemEncoding {

    private PemEncoding() {
    }

    /** {@code -----BEGIN CERTIFICATE-----} blocks, in the order given. */
    public static String certificates(List<X509Certificate> chain) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (X509Certificate certificate : chain) {
                writer.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail; encoding a parsed certificate neither
        }
        return text.toString();
    }

    /** One {@code -----BEGIN PRIVATE KEY-----} block (PKCS#8, not encrypted). */
    public static String pkcs8(PrivateKey key) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
