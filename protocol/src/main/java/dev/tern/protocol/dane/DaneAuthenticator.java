package dev.tern.protocol.dane;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Authenticates an SMTP server's certificate chain with a secure TLSA RRset, as RFC 7672 §3
 * says:
 * <ul>
 *   <li>DANE-EE(3): the leaf's certificate (selector 0) or public key (selector 1) matches;
 *       nothing else is checked, neither names nor dates (§3.1.1).</li>
 *   <li>DANE-TA(2): a certificate of the chain the server sent matches and is the trust anchor
 *       (§3.1.2: servers must send it); the leaf must chain to it (signatures, validity dates,
 *       CA constraints, by the JDK's PKIX validator with that one anchor) and carry the
 *       reference name, the MX host name (§3.2.2, §3.2.3).</li>
 *   <li>PKIX-TA(0), PKIX-EE(1) and malformed records are unusable (§3.1.3) and ignored; when no
 *       record is usable the verdict is {@link DaneVerdict.NoUsableRecords} (§2.2).</li>
 * </ul>
 * DANE-EE records are tried first: they are the common case and the cheapest.
 */
public final class DaneAuthenticator {

    private DaneAuthenticator() {
    }

    /**
     * @param records       the secure TLSA RRset of the host (may contain unusable records)
     * @param chain         the server's chain, leaf first, as it sent it
     * @param referenceName the MX host name the connection is for
     * @param names         whether a certificate names a host, as RFC 7672 §3.2.3 says (wildcards
     *                      only as the whole leftmost label); the TLS client's own name check
     * @param now           the time DANE-TA chains are checked at
     */
    public static DaneVerdict authenticate(List<TlsaRecord> records, List<X509Certificate> chain,
                                           String referenceName, BiPredicate<X509Certificate, String> names,
                                           Instant now) {
        Objects.requireNonNull(referenceName, "referenceName");
        List<TlsaRecord> endEntity = new ArrayList<>();
        List<TlsaRecord> trustAnchor = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (TlsaRecord record : records) {
            Optional<String> unusable = record.unusable();
            if (unusable.isPresent()) {
                ignored.add(record.usage() + " " + record.selector() + " " + record.matchingType()
                        + ": " + unusable.get());
            } else if (record.usage() == TlsaRecord.DANE_EE) {
                endEntity.add(record);
            } else {
                trustAnchor.add(record);
            }
        }
        if (endEntity.isEmpty() && trustAnchor.isEmpty()) {
            return new DaneVerdict.NoUsableRecords("no usable TLSA record"
                    + (ignored.isEmpty() ? "" : " (" + String.join("; ", ignored) + ")"));
        }
        if (chain.isEmpty()) {
            return new DaneVerdict.Mismatch("the server sent no certificate");
        }
        X509Certificate leaf = chain.get(0);
        for (TlsaRecord record : endEntity) {
            if (matches(record, leaf)) {
                return new DaneVerdict.Matched("DANE-EE(3) " + record.selector() + " " + record.matchingType());
            }
        }
        List<String> failures = new ArrayList<>();
        for (TlsaRecord record : trustAnchor) {
            for (int i = 0; i < chain.size(); i++) {
                if (matches(record, chain.get(i))) {
                    Optional<String> problem = chainsTo(chain, i, referenceName, names, now);
                    if (problem.isEmpty()) {
                        return new DaneVerdict.Matched("DANE-TA(2) " + record.selector() + " "
                                + record.matchingType() + " for " + referenceName);
                    }
                    failures.add(problem.get());
                }
            }
        }
        if (!failures.isEmpty()) {
            return new DaneVerdict.Mismatch("DANE-TA(2): " + String.join("; ", failures));
        }
        return new DaneVerdict.Mismatch("no TLSA record matches the certificate chain ("
                + endEntity.size() + " DANE-EE, " + trustAnchor.size() + " DANE-TA record"
                + (endEntity.size() + trustAnchor.size() == 1 ? "" : "s") + ")");
    }

    /** RFC 6698 §2.1.2-2.1.3: the selected part of the certificate, compared as the matching type says. */
    static boolean matches(TlsaRecord record, X509Certificate certificate) {
        byte[] selected;
        try {
            selected = record.selector() == TlsaRecord.SELECTOR_CERT
                    ? certificate.getEncoded()
                    : certificate.getPublicKey().getEncoded(); // X.509 SubjectPublicKeyInfo DER
        } catch (CertificateEncodingException e) {
            return false;
        }
        byte[] expected = record.data();
        return switch (record.matchingType()) {
            case TlsaRecord.MATCH_EXACT -> MessageDigest.isEqual(selected, expected);
            case TlsaRecord.MATCH_SHA256 -> MessageDigest.isEqual(digest("SHA-256", selected), expected);
            case TlsaRecord.MATCH_SHA512 -> MessageDigest.isEqual(digest("SHA-512", selected), expected);
            default -> false;
        };
    }

    /** The leaf chains to {@code chain[anchor]} and names the reference host; else why not. */
    private static Optional<String> chainsTo(List<X509Certificate> chain, int anchor, String referenceName,
                                             BiPredicate<X509Certificate, String> names, Instant now) {
        X509Certificate leaf = chain.get(0);
        if (!names.test(leaf, referenceName)) {
            return Optional.of("the certificate does not name " + referenceName);
        }
        if (anchor == 0) {
            return Optional.empty(); // the leaf itself is the anchor: nothing to chain
        }
        X509Certificate ta = chain.get(anchor);
        try {
            // the anchor's key and name, not its certificate: a selector 1 record vouches for the key only
            TrustAnchor trusted = new TrustAnchor(ta.getSubjectX500Principal(), ta.getPublicKey(), null);
            PKIXParameters parameters = new PKIXParameters(Set.of(trusted));
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, anchor)), parameters);
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            return Optional.of("the chain does not validate to the matched trust anchor " + ta.getSubjectX500Principal()
                    + ": " + e.getMessage());
        }
    }

    private static byte[] digest(String algorithm, byte[] input) {
        try {
            return MessageDigest.getInstance(algorithm).digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has " + algorithm, e);
        }
    }
}
