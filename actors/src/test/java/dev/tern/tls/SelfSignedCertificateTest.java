package dev.tern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {

    private static final int DNS = 2;
    private static final int IP = 7;

    @TempDir
    Path data;

    @Test
    void generatesCertPemAndAnOwnerOnlyPkcs8KeyPem() throws Exception {
        Path tls = data.resolve("tls");

        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(made.generated()).isTrue();
        assertThat(made.reason()).isEqualTo("generated a self-signed certificate in " + tls);
        assertThat(made.certificateFile()).isEqualTo(tls.resolve("cert.pem")).isRegularFile();
        assertThat(made.keyFile()).isEqualTo(tls.resolve("key.pem")).isRegularFile();
        assertThat(Files.readString(made.certificateFile())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(made.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
        try (Stream<Path> files = Files.list(tls)) {
            assertThat(files).containsExactlyInAnyOrder(made.certificateFile(), made.keyFile()); // no temp files
        }
        assumeThat(Files.getFileStore(tls).supportsFileAttributeView(PosixFileAttributeView.class)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made.keyFile())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls))).isEqualTo("rwx------");
    }

    @Test
    void theCertificateIsASelfSignedServerCertificateForTheHostAndLoopback() throws Exception {
        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(data.resolve("tls"), "Mail.Example.org");
        X509Certificate certificate = made.credentials().certificate();

        assertThat(certificate.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(DNS, "mail.example.org"),
                List.of(DNS, "localhost"),
                List.of(IP, "127.0.0.1"),
                List.of(IP, "0:0:0:0:0:0:0:1")); // ::1 as the JDK spells it
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=mail.example.org");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(certificate.getSubjectX500Principal());
        certificate.verify(certificate.getPublicKey()); // self-signed
        assertThat(certificate.getVersion()).isEqualTo(3);
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1); // not a CA
        assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(certificate.getSerialNumber().signum()).isPositive();
        Instant now = Instant.now();
        assertThat(certificate.getNotBefore().toInstant()).isBetween(
                now.minus(Duration.ofDays(1)).minusSeconds(60), now.minus(Duration.ofDays(1)).plusSeconds(1));
        assertThat(Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(3650));
        assertThat(PemCredentials.belongTogether(made.credentials().privateKey(), certificate.getPublicKey()))
                .isTrue();
    }

    @Test
    void anIpAddressAsHostNameBecomesAnIpAddressName() throws Exception {
        X509Certificate certificate = SelfSignedCertificate.generate("192.0.2.25").certificate();

        assertThat(certificate.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(IP, "192.0.2.25"), List.of(DNS, "localhost"), List.of(IP, "127.0.0.1"),
                List.of(IP, "0:0:0:0:0:0:0:1"));
    }

    @Test
    void aSecondStartReusesThePair() throws Exception {
        Path tls = data.resolve("tls");
        SelfSignedCertificate first = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");
        byte[] keyFile = Files.readAllBytes(first.keyFile());

        SelfSignedCertificate second = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(second.generated()).isFalse();
        assertThat(second.reason()).isEqualTo("reused the self-signed certificate in " + tls.resolve("cert.pem"));
        assertThat(second.credentials().certificate().getSerialNumber())
                .isEqualTo(first.credentials().certificate().getSerialNumber());
        assertThat(second.credentials().certificate()).isEqualTo(first.credentials().certificate());
        assertThat(second.credentials().privateKey().getEncoded())
                .isEqualTo(first.credentials().privateKey().getEncoded());
        assertThat(Files.readAllBytes(second.keyFile())).isEqualTo(keyFile);
    }

    @Test
    void anExpiredCertificateIsReplaced() throws Exception {
        Path tls = Files.createDirectory(data.resolve("tls"));
        var keys = TestPem.ecKeys();
        Instant twoYearsAgo = Instant.now().minus(Duration.ofDays(730));
        TlsCredentials expired = SelfSignedCertificate.generate("mail.example.org", keys, twoYearsAgo,
                twoYearsAgo.plus(Duration.ofDays(365)));
        TestPem.write(tls.resolve("cert.pem"), PemEncoding.certificates(expired.chain()));
        TestPem.write(tls.resolve("key.pem"), PemEncoding.pkcs8(keys.getPrivate()));

        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(made.generated()).isTrue();
        assertThat(made.reason()).startsWith("replaced the self-signed certificate in " + tls + ": cert.pem expired on");
        assertThat(made.credentials().certificate().getSerialNumber())
                .isNotEqualTo(expired.certificate().getSerialNumber());
        made.credentials().certificate().checkValidity();
        assertThat(PemCredentials.load(made.certificateFile(), made.keyFile()).certificate())
                .isEqualTo(made.credentials().certificate());
    }

    @Test
    void aCertificateThatExpiresWhileInUseIsReplacedOnTheNextStartAfterIt() throws Exception {
        Path tls = data.resolve("tls");
        SelfSignedCertificate first = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");
        Clock elevenYearsLater = Clock.fixed(Instant.now().plus(Duration.ofDays(4018)), ZoneOffset.UTC);

        SelfSignedCertificate later = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org", elevenYearsLater);

        assertThat(later.generated()).isTrue();
        assertThat(later.credentials().certificate().getSerialNumber())
                .isNotEqualTo(first.credentials().certificate().getSerialNumber());
        later.credentials().certificate().checkValidity(Date.from(elevenYearsLater.instant()));
    }

    @Test
    void aGarbageCertPemIsReplacedAndTheNewKeyIsOwnerOnlyAgain() throws Exception {
        Path tls = data.resolve("tls");
        SelfSignedCertificate first = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");
        TestPem.write(first.certificateFile(), "garbage\n");
        boolean posix = Files.getFileStore(tls).supportsFileAttributeView(PosixFileAttributeView.class);
        if (posix) {
            Files.setPosixFilePermissions(first.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        }

        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(made.generated()).isTrue();
        assertThat(made.reason()).isEqualTo("replaced the self-signed certificate in " + tls + ": certificate file "
                + first.certificateFile() + ": no certificate in the file (expected -----BEGIN CERTIFICATE-----)");
        assertThat(PemCredentials.load(made.certificateFile(), made.keyFile()).certificate())
                .isEqualTo(made.credentials().certificate());
        if (posix) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made.keyFile())))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void aKeyThatDoesNotMatchIsReplaced() throws Exception {
        Path tls = data.resolve("tls");
        SelfSignedCertificate first = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");
        TestPem.write(first.keyFile(), PemEncoding.pkcs8(TestPem.ecKeys().getPrivate()));

        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(made.generated()).isTrue();
        assertThat(made.reason()).contains("does not match the certificate");
    }

    @Test
    void aMissingHalfIsReplaced() throws Exception {
        Path tls = data.resolve("tls");
        SelfSignedCertificate first = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");
        Files.delete(first.keyFile());

        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(made.generated()).isTrue();
        assertThat(made.reason()).isEqualTo("replaced the self-signed certificate in " + tls + ": key.pem is missing");
        assertThat(made.keyFile()).isRegularFile();
    }

    @Test
    void aNewHostNameGetsANewCertificate() throws Exception {
        Path tls = data.resolve("tls");
        SelfSignedCertificate.loadOrGenerate(tls, "old.example.org");

        SelfSignedCertificate made = SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org");

        assertThat(made.generated()).isTrue();
        assertThat(made.reason()).endsWith(": cert.pem does not name mail.example.org");
        assertThat(made.credentials().certificate().getSubjectAlternativeNames()).contains(List.of(DNS,
                "mail.example.org"));
        assertThat(SelfSignedCertificate.loadOrGenerate(tls, "mail.example.org").generated()).isFalse();
    }

    @Test
    void anRsaKeyAlsoGetsKeyEncipherment() throws Exception {
        X509Certificate certificate = TestPem.certify("mail.example.org", TestPem.rsaKeys()).certificate();

        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(certificate.getKeyUsage()[2]).as("keyEncipherment").isTrue();
    }
}
