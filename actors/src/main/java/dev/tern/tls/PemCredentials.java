package dev.tern.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads a server's certificate chain and private key from PEM files, as OpenSSL, certbot and most CAs write them.
 *
 * <p>The certificate file holds the server's certificate first, then any intermediates ({@code fullchain.pem}).
 * The key file holds one unencrypted key: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA
 * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}). Other PEM blocks in either file are
 * skipped, so one file holding both the key and the chain serves as both. The key must belong to the first
 * certificate. Keys and certificates come out as JDK (not Bouncy Castle) objects, ready for the JDK's TLS.
 */
public final class PemCredentials {

    private static final String KEY_HEADERS =
            "-----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----";

    private PemCredentials() {
    }

    /** The chain in {@code certificateChainFile} and the key in {@code privateKeyFile}, checked to belong together. */
    public static TlsCredentials load(Path certificateChainFile, Path privateKeyFile) throws TlsCredentialsException {
        List<X509Certificate> chain = readCertificateChain(certificateChainFile);
        PrivateKey key = readPrivateKey(privateKeyFile);
        if (!belongTogether(key, chain.get(0).getPublicKey())) {
            for (int i = 1; i < chain.size(); i++) {
                if (belongTogether(key, chain.get(i).getPublicKey())) {
                    throw new TlsCredentialsException("private key file " + privateKeyFile
                            + " belongs to certificate " + (i + 1) + " of " + certificateChainFile
                            + ", but the server's own certificate must come first in that file");
                }
            }
            throw new TlsCredentialsException("private key file " + privateKeyFile + " does not match the certificate"
                    + " in " + certificateChainFile + " (" + subject(chain.get(0))
                    + "): the key's public half differs from the certificate's public key");
        }
        return new TlsCredentials(chain, key);
    }

    /** Every certificate in the file, in file order; at least one. */
    public static List<X509Certificate> readCertificateChain(Path file) throws TlsCredentialsException {
        String what = "certificate file " + file;
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> chain = new ArrayList<>();
        boolean sawPrivateKey = false;
        for (Object block : pemBlocks(file, what)) {
            X509CertificateHolder holder = block instanceof X509CertificateHolder certificate ? certificate
                    : block instanceof X509TrustedCertificateBlock trusted ? trusted.getCertificateHolder()
                    : null;
            if (holder != null) {
                try {
                    chain.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new TlsCredentialsException(what + ": certificate " + (chain.size() + 1)
                            + " is not a valid X.509 certificate (" + TlsCredentialsException.describe(e) + ")", e);
                }
            } else if (isPrivateKey(block)) {
                sawPrivateKey = true;
            }
        }
        if (chain.isEmpty()) {
            throw new TlsCredentialsException(what + ": no certificate in the file (expected"
                    + " -----BEGIN CERTIFICATE-----)"
                    + (sawPrivateKey ? "; it holds a private key: are the certificate and key files swapped?" : ""));
        }
        return chain;
    }

    /** The one unencrypted private key in the file. */
    public static PrivateKey readPrivateKey(Path file) throws TlsCredentialsException {
        String what = "private key file " + file;
        List<PrivateKeyInfo> keys = new ArrayList<>();
        boolean sawCertificate = false;
        boolean sawPublicKey = false;
        for (Object block : pemBlocks(file, what)) {
            if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new TlsCredentialsException(what + ": the key is encrypted (protected by a passphrase),"
                        + " which is not supported; decrypt it first, e.g. openssl pkey -in " + file
                        + " -out key-decrypted.pem, and use the decrypted file");
            } else if (block instanceof PEMKeyPair pair) {
                keys.add(pair.getPrivateKeyInfo());
            } else if (block instanceof PrivateKeyInfo info) {
                keys.add(info);
            } else if (block instanceof X509CertificateHolder || block instanceof X509TrustedCertificateBlock) {
                sawCertificate = true;
            } else if (block instanceof SubjectPublicKeyInfo) {
                sawPublicKey = true;
            }
        }
        if (keys.isEmpty()) {
            String hint = sawPublicKey ? "; it holds a public key, but the server needs the private one"
                    : sawCertificate ? "; it holds a certificate: are the certificate and key files swapped?"
                    : "";
            throw new TlsCredentialsException(what + ": no private key in the file (expected " + KEY_HEADERS + ")"
                    + hint);
        }
        if (keys.size() > 1) {
            throw new TlsCredentialsException(what + ": " + keys.size() + " private keys in the file; it must hold"
                    + " exactly one, the key of the server's certificate");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(keys.get(0));
        } catch (IOException e) {
            throw new TlsCredentialsException(what + ": the private key cannot be used ("
                    + TlsCredentialsException.describe(e) + ")", e);
        }
    }

    private static List<Object> pemBlocks(Path file, String what) throws TlsCredentialsException {
        List<Object> blocks = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                blocks.add(block);
            }
        } catch (NoSuchFileException e) {
            throw new TlsCredentialsException(what + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new TlsCredentialsException(what + " is not readable (permission denied)", e);
        } catch (IOException | RuntimeException e) { // Bouncy Castle reports some malformed ASN.1 unchecked
            if (Files.isDirectory(file)) {
                throw new TlsCredentialsException(what + " is a directory, not a file", e);
            }
            throw new TlsCredentialsException(what + " is not valid PEM (" + TlsCredentialsException.describe(e)
                    + ")", e);
        }
        return blocks;
    }

    private static boolean isPrivateKey(Object block) {
        return block instanceof PEMKeyPair || block instanceof PrivateKeyInfo
                || block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo;
    }

    /** Whether {@code privateKey} is the private half of {@code publicKey}. */
    static boolean belongTogether(PrivateKey privateKey, PublicKey publicKey) {
        if (privateKey instanceof RSAKey rsaPrivate && publicKey instanceof RSAPublicKey rsaPublic) {
            boolean sameModulus = rsaPrivate.getModulus().equals(rsaPublic.getModulus());
            return sameModulus && (!(privateKey instanceof RSAPrivateCrtKey crt)
                    || crt.getPublicExponent().equals(rsaPublic.getPublicExponent()));
        }
        String signatureAlgorithm = privateKey instanceof ECKey && publicKey instanceof ECKey ? "SHA256withECDSA"
                : isEdwards(privateKey) && isEdwards(publicKey) ? privateKey.getAlgorithm()
                : null;
        if (signatureAlgorithm == null) {
            return false; // different kinds of key, or a kind TLS servers do not use
        }
        return signsAndVerifies(signatureAlgorithm, privateKey, publicKey);
    }

    private static boolean isEdwards(Key key) {
        String algorithm = key.getAlgorithm().toUpperCase(Locale.ROOT);
        return algorithm.equals("EDDSA") || algorithm.equals("ED25519") || algorithm.equals("ED448");
    }

    private static boolean signsAndVerifies(String algorithm, PrivateKey privateKey, PublicKey publicKey) {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // e.g. keys on different curves
        }
    }

    private static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
