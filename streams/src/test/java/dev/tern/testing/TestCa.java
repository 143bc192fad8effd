package dev.tern.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests: it issues server certificates for given host names, and
 * its own certificate is what Tern is told to trust ({@code --tls-trust}). Made with Bouncy
 * Castle; EC P-256 keys, so issuing takes milliseconds.
 */
public final class TestCa {

    private static final char[] PASSWORD = "test".toCharArray();
    /** A dotted IPv4 address or an IPv6 one (a host name has no colon). */
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A fresh CA, {@code CN=Tern Test CA}, valid from yesterday for a year. */
    public static TestCa create() throws Exception {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=Tern Test CA " + new BigInteger(32, new SecureRandom()));
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(365))), name,
                keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestCa(keys, sign(builder, keys));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA certificate as PEM text. */
    public String pem() throws Exception {
        return pem(certificate);
    }

    /** Writes the CA certificate as PEM to {@code file}: what {@code --tls-trust} reads. */
    public Path writePem(Path file) throws Exception {
        Files.writeString(file, pem(), StandardCharsets.US_ASCII);
        return file;
    }

    /**
     * A leaf for {@code names}, valid from yesterday for 30 days, and its private key. A name that is an IP address
     * ({@code 127.0.0.1}) goes in as an iPAddress subjectAltName: what a client that reaches the server by that
     * address checks (RFC 2818 §3.1, RFC 5280 §4.2.1.6).
     */
    public Issued issue(String... names) throws Exception {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), names);
    }

    /** A leaf for {@code names} valid from {@code notBefore} to {@code notAfter} (an expired one, say). */
    public Issued issue(Instant notBefore, Instant notAfter, String... names) throws Exception {
        KeyPair leafKeys = keyPair();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(certificate.getSubjectX500Principal().getName()), serial(), Date.from(notBefore),
                Date.from(notAfter), new X500Name("CN=" + names[0]), leafKeys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(names));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return new Issued(sign(builder, keys), certificate, leafKeys);
    }

    /** A self-signed leaf for {@code names} (IP addresses as in {@link #issue(String...)}): no CA vouches for it. */
    public static Issued selfSigned(String... names) throws Exception {
        KeyPair leafKeys = keyPair();
        X500Name name = new X500Name("CN=" + names[0]);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), name,
                leafKeys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(names));
        X509Certificate leaf = sign(builder, leafKeys);
        return new Issued(leaf, null, leafKeys);
    }

    /** A client context that trusts this CA and nothing else: for a test client that verifies the server. */
    public SSLContext clientContext() throws Exception {
        return clientTrusting(certificate);
    }

    /** A client context whose one trust anchor is {@code anchor}: a CA, or a self-signed server certificate. */
    public static SSLContext clientTrusting(X509Certificate anchor) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("anchor", anchor);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /**
     * A leaf certificate and its key.
     *
     * @param issuer the CA that signed it; null when self-signed
     */
    public record Issued(X509Certificate leaf, X509Certificate issuer, KeyPair keys) {

        /** The chain a server presents: the leaf, then its issuer. */
        public List<X509Certificate> chain() {
            return issuer == null ? List.of(leaf) : List.of(leaf, issuer);
        }

        /** A server context presenting {@link #chain()}. */
        public SSLContext serverContext() throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", keys.getPrivate(), PASSWORD, chain().toArray(X509Certificate[]::new));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        }

        /** The leaf and its issuer as PEM, then the PKCS#8 key as PEM: for a server configured by files. */
        public String chainPem() throws Exception {
            StringBuilder text = new StringBuilder();
            for (X509Certificate each : chain()) {
                text.append(pem(each));
            }
            return text.toString();
        }

        public String keyPem() {
            return "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(keys.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        }
    }

    private static String pem(X509Certificate certificate) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static GeneralNames alternativeNames(String... names) {
        GeneralName[] alternatives = new GeneralName[names.length];
        for (int i = 0; i < names.length; i++) {
            boolean address = IP_ADDRESS.matcher(names[i]).matches();
            alternatives[i] = new GeneralName(address ? GeneralName.iPAddress : GeneralName.dNSName, names[i]);
        }
        return new GeneralNames(alternatives);
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom()).add(BigInteger.ONE);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }
}
