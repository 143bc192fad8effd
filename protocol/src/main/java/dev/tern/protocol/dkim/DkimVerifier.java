package dev.tern.protocol.dkim;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Verifies one DKIM signature once its key is known (RFC 6376 §6.1.3). The caller parsed the
 * field ({@link DkimSignature#parse}), streamed the body through
 * {@link #bodyHash(DkimSignature)}, and fetched and parsed the key record
 * ({@link DkimKeyRecord#parse}); this class does no I/O.
 *
 * <pre>{@code
 * DkimSignature signature = DkimSignature.parse(field);          // DkimSyntaxException: permerror
 * BodyHash body = DkimVerifier.bodyHash(signature);               // feed the body octets
 * DkimKeyRecord record = DkimKeyRecord.parse(txt);                // DkimSyntaxException: permerror
 * Result result = DkimVerifier.verify(headers, signature, body.digest(), record, now);
 * }</pre>
 */
public final class DkimVerifier {

    private DkimVerifier() {
    }

    /** The outcome for one signature: pass, or fail with the reason (RFC 8601 §2.7.1 "fail"). */
    public sealed interface Result permits Pass, Fail {
    }

    public record Pass() implements Result {
    }

    /** @param reason why, e.g. "body hash did not verify" */
    public record Fail(String reason) implements Result {
    }

    /** The body hash this signature asks for: its body canonicalization and {@code l=}. */
    public static BodyHash bodyHash(DkimSignature signature) {
        return BodyHash.sha256(signature.bodyCanonicalization(),
                signature.length().isPresent() ? signature.length().getAsLong() : -1);
    }

    /** {@link #verify(List, DkimSignature, byte[], PublicKey, Instant)} after the record's own rules. */
    public static Result verify(List<HeaderField> headers, DkimSignature signature, byte[] bodyHash,
                                DkimKeyRecord record, Instant now) {
        Optional<String> refusal = record.refusal(signature);
        if (refusal.isPresent()) {
            return new Fail(refusal.get());
        }
        return verify(headers, signature, bodyHash, record.key().orElseThrow(), now);
    }

    /**
     * @param headers  every header field of the message as received, top to bottom (the
     *                 DKIM-Signature fields included)
     * @param bodyHash the digest of {@link #bodyHash(DkimSignature)} over the body
     * @param now      to judge {@code x=} (§3.5: a signature past its expiry fails)
     */
    public static Result verify(List<HeaderField> headers, DkimSignature signature, byte[] bodyHash,
                                PublicKey key, Instant now) {
        if (signature.expiration().isPresent() && now.getEpochSecond() > signature.expiration().getAsLong()) {
            return new Fail("signature expired");
        }
        if (!MessageDigest.isEqual(bodyHash, signature.bodyHash())) {
            return new Fail("body hash did not verify"); // §6.1.3 step 4
        }
        try {
            if (DkimAlgorithm.forKey(key) != signature.algorithm()) {
                return new Fail("key does not suit a=" + signature.algorithm().tag());
            }
            byte[] data = SignedData.of(headers, signature.signedHeaders(), signature.headerCanonicalization(),
                    SignedData.withoutSignature(signature.field()));
            return signature.algorithm().verify(key, data, signature.signature())
                    ? new Pass() : new Fail("signature did not verify");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return new Fail("signature did not verify: " + e.getMessage());
        }
    }
}
