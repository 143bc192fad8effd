package dev.tern.tls;

import dev.tern.files.AtomicFiles;
import dev.tern.files.PrivateFiles;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * A self-signed server certificate kept in a directory as {@code cert.pem} and {@code key.pem} (PKCS#8, mode
 * 0600), so a server without a configured certificate can still offer STARTTLS. The pair is made on first use and
 * kept: later starts reuse it while it is valid and names the host; otherwise a new pair replaces it.
 *
 * <p>The key is EC P-256 with ECDSA/SHA-256: generating it takes milliseconds (RSA 2048 takes up to a second),
 * the certificate and handshakes are small, and every TLS 1.2 and 1.3 implementation in use accepts it. The
 * certificate names the host, {@code localhost}, 127.0.0.1 and ::1; it is valid from a day ago (for clocks that
 * lag) for ten years, is not a CA, and serves only as a TLS server certificate.
 */
public final class SelfSignedCertificate {

    public static final String CERTIFICATE_FILE = "cert.pem";
    public static final String KEY_FILE = "key.pem";

    static final Duration BACKDATING = Duration.ofDays(1);
    static final Duration VALIDITY = Duration.ofDays(3650);

    private static final int SAN_DNS_NAME = 2;
    private static final int SAN_IP_ADDRESS = 7;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TlsCredentials credentials;
    private final Path certificateFile;
    private final Path keyFile;
    private final boolean generated;
    private final String reason;

    private SelfSignedCertificate(TlsCredentials credentials, Path certificateFile, Path keyFile, boolean generated,
                                  String reason) {
        this.credentials = credentials;
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.generated = generated;
        this.reason = reason;
    }

    /**
     * The pair in {@code directory} if both files are there, belong together, are valid now and name
     * {@code hostName}; otherwise a new pair, written there (the directory is created if need be).
     *
     * @throws TlsCredentialsException when the directory or the files cannot be written
     */
    public static SelfSignedCertificate loadOrGenerate(Path directory, String hostName)
            throws TlsCredentialsException {
        return loadOrGenerate(directory, hostName, Clock.systemUTC());
    }

    static SelfSignedCertificate loadOrGenerate(Path directory, String hostName, Clock clock)
            throws TlsCredentialsException {
        String host = normalise(hostName);
        Path certificateFile = directory.resolve(CERTIFICATE_FILE);
        Path keyFile = directory.resolve(KEY_FILE);
        String reason;
        if (Files.exists(certificateFile) && Files.exists(keyFile)) {
            String problem;
            try {
                TlsCredentials existing = PemCredentials.load(certificateFile, keyFile);
                problem = unusableBecause(existing.certificate(), host, clock.instant());
                if (problem == null) {
                    return new SelfSignedCertificate(existing, certificateFile, keyFile, false,
                            "reused the self-signed certificate in " + certificateFile);
                }
            } catch (TlsCredentialsException e) {
                problem = e.getMessage();
            }
            reason = "replaced the self-signed certificate in " + directory + ": " + problem;
        } else if (Files.exists(certificateFile) || Files.exists(keyFile)) {
            reason = "replaced the self-signed certificate in " + directory + ": "
                    + (Files.exists(certificateFile) ? KEY_FILE : CERTIFICATE_FILE) + " is missing";
        } else {
            reason = "generated a self-signed certificate in " + directory;
        }

        Instant notBefore = clock.instant().minus(BACKDATING);
        TlsCredentials fresh = generate(host, ecP256KeyPair(), notBefore, notBefore.plus(VALIDITY));
        try {
            PrivateFiles.createDirectories(directory);
            AtomicFiles.write(keyFile, PemEncoding.pkcs8(fresh.privateKey()), PrivateFiles.FILE);
            AtomicFiles.write(certificateFile, PemEncoding.certificates(fresh.chain()), AtomicFiles.WORLD_READABLE);
        } catch (IOException e) {
            throw new TlsCredentialsException("cannot write the self-signed certificate to " + directory + " ("
                    + TlsCredentialsException.describe(e) + ")", e);
        }
        return new SelfSignedCertificate(fresh, certificateFile, keyFile, true, reason);
    }

    /** A new EC P-256 key and self-signed certificate for {@code hostName}, in memory only. */
    public static TlsCredentials generate(String hostName) {
        Instant notBefore = Instant.now().minus(BACKDATING);
        return generate(normalise(hostName), ecP256KeyPair(), notBefore, notBefore.plus(VALIDITY));
    }

    /** A self-signed certificate over {@code keys} (EC or RSA), valid between the given instants. */
    static TlsCredentials generate(String hostName, KeyPair keys, Instant notBefore, Instant notAfter) {
        String host = normalise(hostName);
        boolean rsa = keys.getPrivate() instanceof RSAKey;
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host).build();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serialNumber(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(rsa
                            ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                            : KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(host))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(keys.getPublic()));
            String signatureAlgorithm = rsa ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(signatureAlgorithm)
                            .build(keys.getPrivate())));
            return new TlsCredentials(List.of(certificate), keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** The certificate, its key and their chain (the certificate alone). */
    public TlsCredentials credentials() {
        return credentials;
    }

    /** {@code DIRECTORY/cert.pem}. */
    public Path certificateFile() {
        return certificateFile;
    }

    /** {@code DIRECTORY/key.pem}. */
    public Path keyFile() {
        return keyFile;
    }

    /** Whether this start made the pair (true) or reused the one already in the directory (false). */
    public boolean generated() {
        return generated;
    }

    /** What happened, for the log: generated, reused, or replaced and why (one line). */
    public String reason() {
        return reason;
    }

    private static String unusableBecause(X509Certificate certificate, String host, Instant now) {
        try {
            certificate.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            return CERTIFICATE_FILE + " expired on " + certificate.getNotAfter().toInstant();
        } catch (CertificateNotYetValidException e) {
            return CERTIFICATE_FILE + " is not valid before " + certificate.getNotBefore().toInstant();
        }
        if (!names(certificate, host)) {
            return CERTIFICATE_FILE + " does not name " + host;
        }
        return null;
    }

    private static boolean names(X509Certificate certificate, String host) {
        Collection<List<?>> alternativeNames;
        try {
            alternativeNames = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (alternativeNames == null) {
            return false;
        }
        boolean ip = IPAddress.isValid(host);
        for (List<?> name : alternativeNames) {
            int type = (Integer) name.get(0);
            String value = String.valueOf(name.get(1));
            if (!ip && type == SAN_DNS_NAME && value.equalsIgnoreCase(host)) {
                return true;
            }
            if (ip && type == SAN_IP_ADDRESS && sameAddress(value, host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b)); // literals only
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static GeneralNames subjectAlternativeNames(String host) {
        List<GeneralName> names = new ArrayList<>();
        names.add(IPAddress.isValid(host) ? new GeneralName(GeneralName.iPAddress, host)
                : new GeneralName(GeneralName.dNSName, host));
        if (!host.equals("localhost")) {
            names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        }
        for (String loopback : List.of("127.0.0.1", "::1")) {
            if (!IPAddress.isValid(host) || !sameAddress(host, loopback)) {
                names.add(new GeneralName(GeneralName.iPAddress, loopback));
            }
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    /** A positive serial of at most 20 octets, unpredictable (RFC 5280 4.1.2.2). */
    private static BigInteger serialNumber() {
        return new BigInteger(159, RANDOM).setBit(0);
    }

    private static KeyPair ecP256KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    private static String normalise(String hostName) {
        Objects.requireNonNull(hostName, "hostName");
        String host = hostName.strip();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // [::1] as in URLs and SMTP address literals
        }
        if (host.endsWith(".") && host.length() > 1) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("a self-signed certificate needs a host name");
        }
        return host.toLowerCase(Locale.ROOT);
    }
}
