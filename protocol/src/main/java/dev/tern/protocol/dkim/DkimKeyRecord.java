package dev.tern.protocol.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A DKIM key record, the TXT at {@code SELECTOR._domainkey.DOMAIN} (RFC 6376 §3.6.1):
 * {@code v=DKIM1; k=rsa|ed25519; p=BASE64}. For RSA {@code p=} is a SubjectPublicKeyInfo
 * (a bare PKCS#1 RSAPublicKey is accepted too, as OpenDKIM and dkimpy do); for Ed25519 it is the
 * 32-octet public key itself (RFC 8463 §4).
 *
 * @param key          the public key; empty when {@code p=} is empty: the key was revoked (§3.6.1)
 * @param hashes       {@code h=}, lower case; empty: any
 * @param testing      {@code t=y}: the domain is testing DKIM (§3.6.1), results reported, not acted on
 * @param strictDomain {@code t=s}: {@code i=} must be exactly {@code d=}
 */
public record DkimKeyRecord(String keyType, Optional<PublicKey> key, List<String> hashes, List<String> services,
                            boolean testing, boolean strictDomain) {

    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), before the 32 key octets. */
    private static final byte[] ED25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** The DER of {@code AlgorithmIdentifier rsaEncryption} with NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    public DkimKeyRecord {
        hashes = List.copyOf(hashes);
        services = List.copyOf(services);
    }

    /**
     * Reads the TXT record's text (its strings already joined).
     *
     * @throws DkimSyntaxException a malformed record, an unknown key type, or a {@code p=} that is no key
     */
    public static DkimKeyRecord parse(String text) {
        TagList tags = TagList.parse(text);
        Optional<String> version = tags.get("v");
        if (version.isPresent() && (!version.get().equals("DKIM1")
                || !tags.asMap().keySet().iterator().next().equals("v"))) {
            throw new DkimSyntaxException("bad key record version"); // §3.6.1: v= first, exactly DKIM1
        }
        String keyType = tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT);
        String p = TagList.withoutWhitespace(tags.required("p"));
        Optional<PublicKey> key = p.isEmpty() ? Optional.empty()
                : Optional.of(publicKey(keyType, DkimSignature.base64(p, "p")));
        return new DkimKeyRecord(keyType, key, list(tags.get("h")), list(tags.get("s")),
                list(tags.get("t")).contains("y"), list(tags.get("t")).contains("s"));
    }

    /**
     * Why this key may not verify that signature (RFC 6376 §6.1.2, RFC 8301 §3.2), or empty if it may.
     */
    public Optional<String> refusal(DkimSignature signature) {
        if (key.isEmpty()) {
            return Optional.of("key revoked");
        }
        if (!keyType.equals(signature.algorithm().keyType())) {
            return Optional.of("key type " + keyType + " does not match a=" + signature.algorithm().tag());
        }
        if (!hashes.isEmpty() && !hashes.contains("sha256")) {
            return Optional.of("key record does not allow sha256");
        }
        if (!services.isEmpty() && !services.contains("*") && !services.contains("email")) {
            return Optional.of("key not for email");
        }
        if (key.get() instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < 1024) {
            return Optional.of("RSA key shorter than 1024 bits"); // RFC 8301 §3.2
        }
        if (strictDomain && signature.identity().isPresent()) {
            String identity = signature.identity().get();
            String identityDomain = identity.substring(identity.lastIndexOf('@') + 1);
            if (!identityDomain.equalsIgnoreCase(signature.domain())) {
                return Optional.of("key requires i= in d= itself (t=s)");
            }
        }
        return Optional.empty();
    }

    /** The record's text for a key: what {@code dkim keygen} tells the administrator to publish. */
    public static String textFor(PublicKey key) {
        DkimAlgorithm algorithm = DkimAlgorithm.forKey(key);
        byte[] encoded = key.getEncoded();
        byte[] p = algorithm == DkimAlgorithm.ED25519_SHA256
                ? Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length) : encoded;
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + java.util.Base64.getEncoder().encodeToString(p);
    }

    private static PublicKey publicKey(String keyType, byte[] p) {
        try {
            if (keyType.equals("ed25519")) {
                if (p.length != 32) {
                    throw new DkimSyntaxException("Ed25519 key of " + p.length + " octets, not 32");
                }
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_SPKI, p)));
            }
            if (!keyType.equals("rsa")) {
                throw new DkimSyntaxException("unknown key type k=" + Excerpt.of(keyType));
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            try {
                return rsa.generatePublic(new X509EncodedKeySpec(p));
            } catch (GeneralSecurityException notSpki) {
                return rsa.generatePublic(new X509EncodedKeySpec(spkiOfPkcs1(p)));
            }
        } catch (GeneralSecurityException e) {
            throw new DkimSyntaxException("p= is not a " + Excerpt.of(keyType) + " public key");
        }
    }

    /** SubjectPublicKeyInfo ::= SEQUENCE { rsaEncryption, BIT STRING { RSAPublicKey } } */
    private static byte[] spkiOfPkcs1(byte[] pkcs1) {
        byte[] bitString = concat(new byte[] {0x03}, derLength(pkcs1.length + 1), new byte[] {0x00}, pkcs1);
        byte[] body = concat(RSA_ALGORITHM, bitString);
        return concat(new byte[] {0x30}, derLength(body.length), body);
    }

    private static byte[] derLength(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        if (length < 0x100) {
            return new byte[] {(byte) 0x81, (byte) length};
        }
        return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static List<String> list(Optional<String> value) {
        if (value.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(value.get().split(":")).map(s -> TagList.withoutWhitespace(s).toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).toList();
    }
}
