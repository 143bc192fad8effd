package dev.tern.protocol.dkim;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Signs one message for one domain (RFC 6376 §5): {@code c=relaxed/relaxed}, the fields of
 * {@link HeaderSelection}, no {@code l=} (a signature over the whole body cannot be extended
 * by appended text), {@code t=} the signing time. The body hash comes from a {@link BodyHash}
 * the caller fed; this class never sees the body.
 */
public final class DkimSigner {

    /** A line of the field is folded before it passes this many characters (RFC 5322 §2.1.1 asks 78). */
    private static final int LINE = 76;

    private final String domain;
    private final String selector;
    private final PrivateKey key;
    private final DkimAlgorithm algorithm;
    private final Provider provider;

    /**
     * @param domain   {@code d=}: the From: domain this key signs for
     * @param selector {@code s=}: where the public key is, {@code SELECTOR._domainkey.DOMAIN}
     * @param key      an RSA or Ed25519 private key
     */
    public DkimSigner(String domain, String selector, PrivateKey key) {
        this(domain, selector, key, null);
    }

    /**
     * @param provider the JCA provider that made {@code key} and signs with it, or null for the JDK's
     *                 (the same signatures: RSASSA-PKCS1-v1_5 and Ed25519 are deterministic)
     */
    public DkimSigner(String domain, String selector, PrivateKey key, Provider provider) {
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.selector = Objects.requireNonNull(selector, "selector");
        this.key = key;
        this.algorithm = DkimAlgorithm.forKey(key);
        this.provider = provider;
    }

    public String domain() {
        return domain;
    }

    public String selector() {
        return selector;
    }

    public DkimAlgorithm algorithm() {
        return algorithm;
    }

    /** A body hash to feed the message's body into, in this signer's canonicalization. */
    public BodyHash bodyHash() {
        return BodyHash.sha256(Canonicalization.RELAXED);
    }

    /**
     * The DKIM-Signature field to put above the message's header section, CRLF included.
     *
     * @param headers  the message's header fields as they will be sent, top to bottom
     * @param bodyHash what {@link BodyHash#digest()} returned for its body
     */
    public String sign(List<HeaderField> headers, byte[] bodyHash, Instant now) throws GeneralSecurityException {
        List<String> signed = HeaderSelection.of(headers);
        FoldedField field = new FoldedField(DkimSignature.FIELD_NAME, LINE);
        field.tag("v", "1");
        field.tag("a", algorithm.tag());
        field.tag("c", "relaxed/relaxed");
        field.tag("d", domain);
        field.tag("s", selector);
        field.tag("t", Long.toString(now.getEpochSecond()));
        field.list("h", signed);
        field.tag("bh", Base64.getEncoder().encodeToString(bodyHash));
        field.lastTagStart("b");
        HeaderField unsigned = HeaderField.of(field.text());
        byte[] data = SignedData.of(headers, signed, Canonicalization.RELAXED, unsigned);
        field.base64(Base64.getEncoder().encodeToString(algorithm.sign(key, data, provider)));
        return field.text() + "\r\n";
    }
}
