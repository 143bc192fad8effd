package dev.tern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.util.List;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void readsAPkcs8RsaKey() throws Exception {
        KeyPair keys = TestPem.rsaKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.pkcs8(keys.getPrivate()));
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");

        TlsCredentials loaded = PemCredentials.load(cert, key);

        assertThat(loaded.chain()).containsExactly(made.certificate());
        assertThat(loaded.privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void readsAPkcs1RsaKey() throws Exception {
        KeyPair keys = TestPem.rsaKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), TestPem.pkcs1(keys.getPrivate()));
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        TlsCredentials loaded = PemCredentials.load(cert, key);

        assertThat(loaded.certificate()).isEqualTo(made.certificate());
        assertThat(loaded.privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void readsASec1EcKey() throws Exception {
        KeyPair keys = TestPem.ecKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), TestPem.sec1(keys));
        assertThat(Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        TlsCredentials loaded = PemCredentials.load(cert, key);

        assertThat(loaded.certificate()).isEqualTo(made.certificate());
        assertThat(loaded.privateKey().getAlgorithm()).isEqualTo("EC");
        assertThat(((ECPrivateKey) loaded.privateKey()).getS()).isEqualTo(((ECPrivateKey) keys.getPrivate()).getS());
        assertThat(PemCredentials.belongTogether(loaded.privateKey(), keys.getPublic())).isTrue();
    }

    @Test
    void skipsTheEcParametersBlockOpensslEcparamWritesBeforeTheKey() throws Exception {
        KeyPair keys = TestPem.ecKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), """
                -----BEGIN EC PARAMETERS-----
                BggqhkjOPQMBBw==
                -----END EC PARAMETERS-----
                """ + TestPem.sec1(keys));

        assertThat(((ECPrivateKey) PemCredentials.load(cert, key).privateKey()).getS())
                .isEqualTo(((ECPrivateKey) keys.getPrivate()).getS());
    }

    @Test
    void readsAPkcs8EcKey() throws Exception {
        KeyPair keys = TestPem.ecKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.pkcs8(keys.getPrivate()));

        TlsCredentials loaded = PemCredentials.load(cert, key);

        assertThat(loaded.privateKey().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void keepsTheChainInFileOrder() throws Exception {
        KeyPair serverKeys = TestPem.ecKeys();
        TlsCredentials server = TestPem.certify("mail.example.org", serverKeys);
        TlsCredentials intermediate = TestPem.certify("intermediate.example.org", TestPem.ecKeys());
        Path cert = TestPem.write(dir.resolve("fullchain.pem"),
                PemEncoding.certificates(List.of(server.certificate(), intermediate.certificate())));
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.pkcs8(serverKeys.getPrivate()));

        assertThat(PemCredentials.load(cert, key).chain())
                .containsExactly(server.certificate(), intermediate.certificate());
    }

    @Test
    void oneFileHoldingKeyAndCertificateServesAsBoth() throws Exception {
        KeyPair keys = TestPem.ecKeys();
        TlsCredentials made = TestPem.certify("mail.example.org", keys);
        Path both = TestPem.write(dir.resolve("combined.pem"),
                PemEncoding.pkcs8(keys.getPrivate()) + PemEncoding.certificates(made.chain()));

        TlsCredentials loaded = PemCredentials.load(both, both);

        assertThat(loaded.certificate()).isEqualTo(made.certificate());
    }

    @Test
    void aKeyOfAnotherCertificateIsRejectedNamingTheKeyFile() throws Exception {
        TlsCredentials made = TestPem.certify("mail.example.org", TestPem.rsaKeys());
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), TestPem.pkcs1(TestPem.rsaKeys().getPrivate()));

        assertThatThrownBy(() -> PemCredentials.load(cert, key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageContaining("private key file " + key)
                .hasMessageContaining("does not match the certificate in " + cert)
                .hasMessageContaining("CN=mail.example.org")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aKeyOfAnotherTypeIsRejectedAsNotMatching() throws Exception {
        TlsCredentials made = TestPem.certify("mail.example.org", TestPem.rsaKeys());
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.certificates(made.chain()));
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.pkcs8(TestPem.ecKeys().getPrivate()));

        assertThatThrownBy(() -> PemCredentials.load(cert, key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageContaining("private key file " + key + " does not match");
    }

    @Test
    void aKeyOfTheIntermediateSaysTheServerCertificateMustComeFirst() throws Exception {
        KeyPair serverKeys = TestPem.ecKeys();
        TlsCredentials server = TestPem.certify("mail.example.org", serverKeys);
        TlsCredentials intermediate = TestPem.certify("intermediate.example.org", TestPem.ecKeys());
        Path cert = TestPem.write(dir.resolve("fullchain.pem"),
                PemEncoding.certificates(List.of(intermediate.certificate(), server.certificate())));
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.pkcs8(serverKeys.getPrivate()));

        assertThatThrownBy(() -> PemCredentials.load(cert, key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageContaining("belongs to certificate 2 of " + cert)
                .hasMessageContaining("must come first");
    }

    @Test
    void aCertificateFileWithoutACertificateIsRejectedNamingTheFile() throws Exception {
        KeyPair keys = TestPem.ecKeys();
        Path cert = TestPem.write(dir.resolve("cert.pem"), PemEncoding.pkcs8(keys.getPrivate()));
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.pkcs8(keys.getPrivate()));

        assertThatThrownBy(() -> PemCredentials.load(cert, key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessage("certificate file " + cert + ": no certificate in the file (expected"
                        + " -----BEGIN CERTIFICATE-----); it holds a private key: are the certificate and key"
                        + " files swapped?");
    }

    @Test
    void anEmptyOrNonPemCertificateFileHasNoCertificate() throws Exception {
        Path empty = TestPem.write(dir.resolve("empty.pem"), "");
        Path text = TestPem.write(dir.resolve("text.pem"), "this is not a certificate\n");

        assertThatThrownBy(() -> PemCredentials.readCertificateChain(empty))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessage("certificate file " + empty + ": no certificate in the file (expected"
                        + " -----BEGIN CERTIFICATE-----)");
        assertThatThrownBy(() -> PemCredentials.readCertificateChain(text))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageStartingWith("certificate file " + text + ": no certificate in the file");
    }

    @Test
    void aDamagedPemBlockIsReportedAsNotValidPem() throws Exception {
        Path cert = TestPem.write(dir.resolve("cert.pem"),
                "-----BEGIN CERTIFICATE-----\nMIIBdGFtYWdlZA==\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> PemCredentials.readCertificateChain(cert))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageStartingWith("certificate file " + cert + " is not valid PEM (")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.pem");

        assertThatThrownBy(() -> PemCredentials.readPrivateKey(missing))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessage("private key file " + missing + " does not exist");
        assertThatThrownBy(() -> PemCredentials.readCertificateChain(missing))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessage("certificate file " + missing + " does not exist");
    }

    @Test
    void aKeyFileWithoutAKeyIsRejectedNamingTheFile() throws Exception {
        TlsCredentials made = TestPem.certify("mail.example.org", TestPem.ecKeys());
        Path key = TestPem.write(dir.resolve("key.pem"), PemEncoding.certificates(made.chain()));
        Path publicOnly = TestPem.write(dir.resolve("public.pem"), TestPem.pem(made.certificate().getPublicKey()));

        assertThatThrownBy(() -> PemCredentials.readPrivateKey(key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageStartingWith("private key file " + key + ": no private key in the file (expected"
                        + " -----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY----- or"
                        + " -----BEGIN EC PRIVATE KEY-----)")
                .hasMessageEndingWith("are the certificate and key files swapped?");
        assertThatThrownBy(() -> PemCredentials.readPrivateKey(publicOnly))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageEndingWith("it holds a public key, but the server needs the private one");
    }

    @Test
    void twoKeysInOneFileAreRejected() throws Exception {
        Path key = TestPem.write(dir.resolve("key.pem"),
                PemEncoding.pkcs8(TestPem.ecKeys().getPrivate()) + PemEncoding.pkcs8(TestPem.ecKeys().getPrivate()));

        assertThatThrownBy(() -> PemCredentials.readPrivateKey(key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageStartingWith("private key file " + key + ": 2 private keys in the file");
    }

    @Test
    void anEncryptedPkcs8KeyIsRejectedAsUnsupported() throws Exception {
        KeyPair keys = TestPem.rsaKeys();
        var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                .setProvider(new BouncyCastleProvider()) // a provider instance; nothing is registered globally
                .setPassword("secret".toCharArray())
                .build();
        Path key = TestPem.write(dir.resolve("key.pem"),
                TestPem.pem(new JcaPKCS8Generator(keys.getPrivate(), encryptor)));
        assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

        assertThatThrownBy(() -> PemCredentials.readPrivateKey(key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageStartingWith("private key file " + key + ": the key is encrypted")
                .hasMessageContaining("not supported");
    }

    @Test
    void anEncryptedTraditionalKeyIsRejectedAsUnsupported() throws Exception {
        KeyPair keys = TestPem.rsaKeys();
        var encryptor = new JcePEMEncryptorBuilder("AES-128-CBC")
                .setProvider(new BouncyCastleProvider())
                .build("secret".toCharArray());
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(keys.getPrivate(), encryptor);
        }
        Path key = TestPem.write(dir.resolve("key.pem"), text.toString());
        assertThat(Files.readString(key)).contains("Proc-Type: 4,ENCRYPTED");

        assertThatThrownBy(() -> PemCredentials.readPrivateKey(key))
                .isInstanceOf(TlsCredentialsException.class)
                .hasMessageStartingWith("private key file " + key + ": the key is encrypted");
    }
}
