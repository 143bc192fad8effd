package dev.tern.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;

import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/** Keys, certificates and PEM files for the tests, all made with the JDK and Bouncy Castle (no openssl binary). */
final class TestPem {

    private TestPem() {
    }

    static KeyPair rsaKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** A certificate for {@code host} over {@code keys}, valid from yesterday for a year. */
    static TlsCredentials certify(String host, KeyPair keys) {
        Instant yesterday = Instant.now().minus(Duration.ofDays(1));
        return SelfSignedCertificate.generate(host, keys, yesterday, yesterday.plus(Duration.ofDays(365)));
    }

    /**
     * An RSA key as {@link JcaPEMWriter} writes a bare {@code PrivateKey}: PKCS#1 {@code RSA PRIVATE KEY}, as
     * {@code openssl genrsa} (1.x) and {@code openssl rsa -traditional} write it.
     */
    static String pkcs1(PrivateKey key) throws IOException {
        if (!(key instanceof RSAPrivateKey)) {
            throw new IllegalArgumentException("not an RSA key: " + key.getAlgorithm());
        }
        return pem(key);
    }

    /**
     * An EC key in SEC1 form ({@code EC PRIVATE KEY}) as OpenSSL writes it: naming its curve and carrying its
     * public point. ({@link JcaPEMWriter} given a JDK EC key leaves the curve out, which no reader can undo.)
     */
    static String sec1(KeyPair keys) throws IOException {
        PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        ECPrivateKey key = (ECPrivateKey) keys.getPrivate();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                key.getParams().getOrder().bitLength(), key.getS(),
                new DERBitString(publicKey.getPublicKeyData().getBytes()),
                pkcs8.getPrivateKeyAlgorithm().getParameters());
        return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }

    static String pem(Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        }
        return text.toString();
    }

    static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }
}
