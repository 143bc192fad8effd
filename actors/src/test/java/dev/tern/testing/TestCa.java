package dev.tern.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests: a self-signed CA (EC P-256) that issues server certificates
 * for given DNS names, and the PEM and TLS contexts around them. What a test hands Tern as
 * {@code --tls-trust} is {@link #writePem}; what its servers present is {@link #serverContext}.
 */
public final class TestCa {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new CA named {@code CN=name}, valid from yesterday for a year. */
    public static TestCa create(String name) {
        try {
            KeyPair keys = ecKeys();
            X500Name subject = new X500Name("CN=" + name);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            Instant from = Instant.now().minus(Duration.ofDays(1));
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(from),
                    Date.from(from.plus(Duration.ofDays(365))), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestCa(keys, sign(builder, keys));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A leaf certificate for {@code dnsNames} (the first also as CN), issued by this CA; chain leaf first. */
    public Issued issue(String... dnsNames) {
        return issue(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(90)), dnsNames);
    }

    /** As {@link #issue(String...)}, valid between the given instants (an expired one for tests). */
    public Issued issue(Instant notBefore, Instant notAfter, String... dnsNames) {
        try {
            KeyPair leafKeys = ecKeys();
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < dnsNames.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            }
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + dnsNames[0]), leafKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(certificate));
            return new Issued(List.of(sign(builder, keys), certificate), leafKeys);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a test certificate", e);
        }
    }

    /** The CA certificate as PEM in {@code file}, for {@code --tls-trust}. */
    public Path writePem(Path file) throws IOException {
        Files.writeString(file, pem(List.of(certificate)));
        return file;
    }

    /** A certificate and its key, chain leaf first. */
    public record Issued(List<X509Certificate> chain, KeyPair keys) {

        /** A server context presenting this certificate. */
        public SSLContext serverContext() {
            try {
                char[] password = "test".toCharArray();
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", keys.getPrivate(), password, chain.toArray(Certificate[]::new));
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(factory.getKeyManagers(), null, null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot make a server TLS context", e);
            }
        }

        /** The chain as PEM, leaf first. */
        public String chainPem() {
            return pem(chain);
        }

        /** The private key as PEM (PKCS#8). */
        public String keyPem() {
            return pem(List.of(keys.getPrivate()));
        }
    }

    private static String pem(List<?> objects) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object instanceof java.security.PrivateKey key
                        ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null) : object);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return text.toString();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }
}
