package dev.tern.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Optional;

import org.bouncycastle.jcajce.interfaces.EdDSAPrivateKey;

/**
 * The public half of a DKIM signing key, for the TXT record the web page shows: RSA from the
 * private key's modulus and public exponent (PKCS#1 and PKCS#8 files carry both), Ed25519 from
 * Bouncy Castle's key, which derives it.
 */
final class PublicKeys {
    private PublicKeys() {
    }

    static Optional<PublicKey> of(PrivateKey key) {
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                return Optional.of(KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent())));
            }
            if (key instanceof EdDSAPrivateKey ed) {
                return Optional.of(ed.getPublicKey());
            }
        } catch (GeneralSecurityException e) {
            // no record to show; signing is unaffected
        }
        return Optional.empty();
    }
}
