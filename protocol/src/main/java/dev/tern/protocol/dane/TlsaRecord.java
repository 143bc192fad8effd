package dev.tern.protocol.dane;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One TLSA record's data (RFC 6698 §2.1): certificate usage, selector, matching type and the
 * certificate association data.
 *
 * @param usage        0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE (RFC 7218 names)
 * @param selector     0 the full certificate, 1 its SubjectPublicKeyInfo
 * @param matchingType 0 exact, 1 SHA-256, 2 SHA-512
 * @param data         the association data (a copy is kept)
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {

    public static final int PKIX_TA = 0;
    public static final int PKIX_EE = 1;
    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;

    public static final int SELECTOR_CERT = 0;
    public static final int SELECTOR_SPKI = 1;

    public static final int MATCH_EXACT = 0;
    public static final int MATCH_SHA256 = 1;
    public static final int MATCH_SHA512 = 2;

    public TlsaRecord {
        if (usage < 0 || usage > 255 || selector < 0 || selector > 255 || matchingType < 0 || matchingType > 255) {
            throw new IllegalArgumentException("TLSA fields are octets: " + usage + " " + selector + " " + matchingType);
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * Why an SMTP client cannot use this record, or empty when it can. RFC 7672 §3.1.3: PKIX-TA(0)
     * and PKIX-EE(1) are not for SMTP; unknown selectors and matching types, and digests of the
     * wrong length, cannot match anything (RFC 6698 §4.1, RFC 7671 §5).
     */
    public Optional<String> unusable() {
        if (usage == PKIX_TA || usage == PKIX_EE) {
            return Optional.of("usage " + usage + " (PKIX) is not used for SMTP (RFC 7672 §3.1.3)");
        }
        if (usage != DANE_TA && usage != DANE_EE) {
            return Optional.of("unknown usage " + usage);
        }
        if (selector != SELECTOR_CERT && selector != SELECTOR_SPKI) {
            return Optional.of("unknown selector " + selector);
        }
        return switch (matchingType) {
            case MATCH_EXACT -> data.length == 0 ? Optional.of("empty association data") : Optional.empty();
            case MATCH_SHA256 -> data.length == 32 ? Optional.empty()
                    : Optional.of("a SHA-256 digest of " + data.length + " octets");
            case MATCH_SHA512 -> data.length == 64 ? Optional.empty()
                    : Optional.of("a SHA-512 digest of " + data.length + " octets");
            default -> Optional.of("unknown matching type " + matchingType);
        };
    }

    /** The record as a zone file shows it and RFC 8460 §4.4 reports it: {@code 3 1 1 0A1B...}. */
    public String presentation() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().withUpperCase().formatHex(data);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TlsaRecord r && r.usage == usage && r.selector == selector
                && r.matchingType == matchingType && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return ((usage * 31 + selector) * 31 + matchingType) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return presentation();
    }
}
