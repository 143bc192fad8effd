package dev.tern.protocol.dkim;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;

/**
 * The two signing algorithms DKIM allows today, both on the JDK's own providers:
 * {@code rsa-sha256} (RFC 6376 §3.3.1; rsa-sha1 is no longer valid, RFC 8301 §3.1) and
 * {@code ed25519-sha256} (RFC 8463 §3: PureEdDSA over the SHA-256 hash of the signed data).
 */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa"),
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    DkimAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The name in {@code a=}. */
    public String tag() {
        return tag;
    }

    /** The key type in a key record's {@code k=} (§3.6.1). */
    public String keyType() {
        return keyType;
    }

    /** @throws DkimSyntaxException for any other {@code a=} (rsa-sha1 included: RFC 8301 §3.1) */
    public static DkimAlgorithm named(String name) {
        for (DkimAlgorithm algorithm : values()) {
            if (algorithm.tag.equalsIgnoreCase(name)) {
                return algorithm;
            }
        }
        throw new DkimSyntaxException("unsupported algorithm " + Excerpt.of(name));
    }

    /** The algorithm a key signs with: RSA or Ed25519 (the JDK's keys, or another provider's by name). */
    public static DkimAlgorithm forKey(Key key) {
        if (key instanceof RSAKey || "RSA".equals(key.getAlgorithm())) {
            return RSA_SHA256;
        }
        if (key instanceof EdECKey || "Ed25519".equals(key.getAlgorithm())) {
            return ED25519_SHA256;
        }
        throw new IllegalArgumentException("not an RSA or Ed25519 key: " + key.getAlgorithm());
    }

    public byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
        return sign(key, data, null);
    }

    /** @param provider the JCA provider of {@code key}, or null for the JDK's */
    public byte[] sign(PrivateKey key, byte[] data, Provider provider) throws GeneralSecurityException {
        Signature signature = provider == null ? engine() : Signature.getInstance(engineName(), provider);
        signature.initSign(key);
        signature.update(input(data));
        return signature.sign();
    }

    public boolean verify(PublicKey key, byte[] data, byte[] signed) throws GeneralSecurityException {
        Signature signature = engine();
        signature.initVerify(key);
        signature.update(input(data));
        return signature.verify(signed);
    }

    private Signature engine() throws GeneralSecurityException {
        return Signature.getInstance(engineName());
    }

    private String engineName() {
        return this == RSA_SHA256 ? "SHA256withRSA" : "Ed25519";
    }

    private byte[] input(byte[] data) throws GeneralSecurityException {
        // RFC 8463 §3: Ed25519 signs the SHA-256 hash; SHA256withRSA hashes by itself
        return this == RSA_SHA256 ? data : MessageDigest.getInstance("SHA-256").digest(data);
    }
}
