package dev.tern.protocol.dane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class DaneAuthenticatorTest {

    private static final Instant NOW = Instant.now();
    private static final String MX = "mx.example.test";

    // ---- DANE-EE(3): the leaf alone, no name or date checks (RFC 7672 §3.1.1) ----------------

    @Test
    void daneEeMatchesTheLeafsPublicKeyBySha256() throws Exception {
        Issued leaf = selfSigned("CN=other.test", List.of("other.test"), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        DaneVerdict verdict = authenticate(List.of(ee(1, 1, leaf)), leaf);
        assertEquals(new DaneVerdict.Matched("DANE-EE(3) 1 1"), verdict, "the name does not matter for DANE-EE");
    }

    @Test
    void daneEeMatchesTheFullCertificateAndEveryMatchingType() throws Exception {
        Issued leaf = selfSigned("CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        for (int selector = 0; selector <= 1; selector++) {
            for (int matching = 0; matching <= 2; matching++) {
                DaneVerdict verdict = authenticate(List.of(ee(selector, matching, leaf)), leaf);
                assertEquals(new DaneVerdict.Matched("DANE-EE(3) " + selector + " " + matching), verdict);
            }
        }
    }

    @Test
    void daneEeIgnoresAnExpiredLeaf() throws Exception {
        Issued leaf = selfSigned("CN=" + MX, List.of(MX), NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1)));
        assertInstanceOf(DaneVerdict.Matched.class, authenticate(List.of(ee(1, 1, leaf)), leaf));
    }

    @Test
    void anotherKeyDoesNotMatch() throws Exception {
        Issued leaf = selfSigned("CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        Issued published = selfSigned("CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        DaneVerdict verdict = authenticate(List.of(ee(1, 1, published), ee(0, 2, published)), leaf);
        assertInstanceOf(DaneVerdict.Mismatch.class, verdict);
        assertTrue(((DaneVerdict.Mismatch) verdict).reason().contains("no TLSA record matches"), verdict.toString());
    }

    @Test
    void daneEeLooksOnlyAtTheLeaf() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued leaf = issued(ca, "CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        // a DANE-EE record for the CA's key says nothing about the leaf
        assertInstanceOf(DaneVerdict.Mismatch.class, authenticate(List.of(ee(1, 1, ca)), leaf, ca));
    }

    // ---- DANE-TA(2): a chain to an anchor the server sent, and the name (§3.1.2, §3.2) -------

    @Test
    void daneTaValidatesTheChainAndTheName() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued leaf = issued(ca, "CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        assertEquals(new DaneVerdict.Matched("DANE-TA(2) 0 1 for " + MX),
                authenticate(List.of(ta(0, 1, ca)), leaf, ca));
        assertEquals(new DaneVerdict.Matched("DANE-TA(2) 1 1 for " + MX),
                authenticate(List.of(ta(1, 1, ca)), leaf, ca));
    }

    @Test
    void daneTaThroughAnIntermediate() throws Exception {
        Issued root = ca("CN=Test Root");
        Issued intermediate = subCa(root, "CN=Test Intermediate");
        Issued leaf = issued(intermediate, "CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        assertInstanceOf(DaneVerdict.Matched.class, authenticate(List.of(ta(1, 2, root)), leaf, intermediate, root));
        assertInstanceOf(DaneVerdict.Matched.class,
                authenticate(List.of(ta(0, 1, intermediate)), leaf, intermediate, root));
    }

    @Test
    void daneTaRequiresTheReferenceName() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued leaf = issued(ca, "CN=mail.elsewhere.test", List.of("mail.elsewhere.test"), NOW.minusSeconds(60),
                NOW.plusSeconds(3600));
        DaneVerdict verdict = authenticate(List.of(ta(0, 1, ca)), leaf, ca);
        assertInstanceOf(DaneVerdict.Mismatch.class, verdict);
        assertTrue(((DaneVerdict.Mismatch) verdict).reason().contains("does not name " + MX), verdict.toString());
    }

    @Test
    void daneTaAsksTheNameCheckAboutTheLeafAndTheReferenceName() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued leaf = issued(ca, "CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        List<List<Object>> asked = new ArrayList<>();
        DaneVerdict verdict = DaneAuthenticator.authenticate(List.of(ta(0, 1, ca)), List.of(leaf.cert, ca.cert), MX,
                (cert, name) -> {
                    asked.add(List.of(cert, name));
                    return false;
                }, NOW);
        assertInstanceOf(DaneVerdict.Mismatch.class, verdict, "the name check said no");
        assertEquals(List.of(List.of(leaf.cert, MX)), asked);
    }

    @Test
    void daneEeAsksNoNameCheck() throws Exception {
        Issued leaf = selfSigned("CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        DaneVerdict verdict = DaneAuthenticator.authenticate(List.of(ee(1, 1, leaf)), List.of(leaf.cert), MX,
                (cert, name) -> {
                    throw new AssertionError("DANE-EE(3) checks no name (RFC 7672 §3.1.1)");
                }, NOW);
        assertInstanceOf(DaneVerdict.Matched.class, verdict);
    }

    @Test
    void daneTaRefusesALeafTheAnchorDidNotSign() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued impostor = ca("CN=Test CA"); // same name, another key
        Issued leaf = issued(impostor, "CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        DaneVerdict verdict = authenticate(List.of(ta(0, 1, ca)), leaf, ca);
        assertInstanceOf(DaneVerdict.Mismatch.class, verdict);
        assertTrue(((DaneVerdict.Mismatch) verdict).reason().contains("does not validate"), verdict.toString());
    }

    @Test
    void daneTaChecksTheLeafsDates() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued expired = issued(ca, "CN=" + MX, List.of(MX), NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1)));
        assertInstanceOf(DaneVerdict.Mismatch.class, authenticate(List.of(ta(0, 1, ca)), expired, ca));
    }

    @Test
    void daneTaNeedsTheAnchorInTheChain() throws Exception {
        Issued ca = ca("CN=Test CA");
        Issued leaf = issued(ca, "CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        // RFC 7672 §3.1.2: the server must send the trust anchor; one it leaves out cannot match
        assertInstanceOf(DaneVerdict.Mismatch.class, authenticate(List.of(ta(0, 1, ca)), leaf));
    }

    // ---- unusable records (§3.1.3) and none usable (§2.2) -----------------------------------

    @Test
    void pkixUsagesAreUnusable() throws Exception {
        Issued leaf = selfSigned("CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        List<TlsaRecord> records = List.of(record(0, 1, 1, leaf), record(1, 1, 1, leaf));
        DaneVerdict verdict = authenticate(records, leaf);
        assertInstanceOf(DaneVerdict.NoUsableRecords.class, verdict, "even though both would match");
        assertTrue(((DaneVerdict.NoUsableRecords) verdict).reason().contains("RFC 7672 §3.1.3"), verdict.toString());
    }

    @Test
    void malformedRecordsAreUnusableAndIgnoredBesideUsableOnes() throws Exception {
        Issued leaf = selfSigned("CN=" + MX, List.of(MX), NOW.minusSeconds(60), NOW.plusSeconds(3600));
        TlsaRecord shortDigest = new TlsaRecord(3, 1, 1, new byte[20]);
        TlsaRecord unknownMatching = new TlsaRecord(3, 1, 3, new byte[32]);
        TlsaRecord unknownSelector = new TlsaRecord(3, 2, 1, new byte[32]);
        TlsaRecord unknownUsage = new TlsaRecord(4, 1, 1, new byte[32]);
        for (TlsaRecord bad : List.of(shortDigest, unknownMatching, unknownSelector, unknownUsage)) {
            assertTrue(bad.unusable().isPresent(), bad.toString());
            assertInstanceOf(DaneVerdict.NoUsableRecords.class, authenticate(List.of(bad), leaf));
        }
        assertInstanceOf(DaneVerdict.Matched.class, authenticate(List.of(shortDigest, ee(1, 1, leaf)), leaf));
        assertFalse(ee(1, 1, leaf).unusable().isPresent());
    }

    @Test
    void noCertificateIsAMismatch() {
        TlsaRecord any = new TlsaRecord(3, 1, 1, new byte[32]);
        assertInstanceOf(DaneVerdict.Mismatch.class, DaneAuthenticator.authenticate(List.of(any), List.of(), MX, DaneAuthenticatorTest::names, NOW));
    }

    @Test
    void presentationIsTheZoneFileForm() {
        byte[] data = new byte[32];
        data[0] = (byte) 0xAB;
        data[31] = 0x0C;
        TlsaRecord record = new TlsaRecord(3, 1, 1, data);
        assertEquals("3 1 1 AB" + "00".repeat(30) + "0C", record.presentation());
        assertEquals(record, new TlsaRecord(3, 1, 1, data.clone()));
    }

    // ---- fixtures ----------------------------------------------------------------------------

    private record Issued(X509Certificate cert, KeyPair keys, X500Name name) {
    }

    private static DaneVerdict authenticate(List<TlsaRecord> records, Issued... chain) {
        return DaneAuthenticator.authenticate(records, Arrays.stream(chain).map(Issued::cert).toList(), MX,
                DaneAuthenticatorTest::names, NOW);
    }

    /** A plain name check for these tests: an exact subjectAltName DNS name (the client's own check does more). */
    private static boolean names(X509Certificate certificate, String host) {
        try {
            return certificate.getSubjectAlternativeNames() != null && certificate.getSubjectAlternativeNames()
                    .stream().anyMatch(san -> Integer.valueOf(2).equals(san.get(0)) && host.equals(san.get(1)));
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private static TlsaRecord ee(int selector, int matching, Issued cert) throws Exception {
        return record(TlsaRecord.DANE_EE, selector, matching, cert);
    }

    private static TlsaRecord ta(int selector, int matching, Issued cert) throws Exception {
        return record(TlsaRecord.DANE_TA, selector, matching, cert);
    }

    /** The association data computed independently of the code under test. */
    private static TlsaRecord record(int usage, int selector, int matching, Issued cert) throws Exception {
        byte[] selected = selector == 0 ? cert.cert.getEncoded() : cert.cert.getPublicKey().getEncoded();
        byte[] data = switch (matching) {
            case 0 -> selected;
            case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
            default -> MessageDigest.getInstance("SHA-512").digest(selected);
        };
        return new TlsaRecord(usage, selector, matching, data);
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static Issued selfSigned(String subject, List<String> dnsNames, Instant from, Instant to) throws Exception {
        KeyPair keys = keys();
        X500Name name = new X500Name(subject);
        return new Issued(build(name, keys, name, keys, dnsNames, from, to, null), keys, name);
    }

    private static Issued ca(String subject) throws Exception {
        KeyPair keys = keys();
        X500Name name = new X500Name(subject);
        return new Issued(build(name, keys, name, keys, List.of(), NOW.minus(Duration.ofDays(1)),
                NOW.plus(Duration.ofDays(30)), new BasicConstraints(true)), keys, name);
    }

    private static Issued subCa(Issued issuer, String subject) throws Exception {
        KeyPair keys = keys();
        X500Name name = new X500Name(subject);
        return new Issued(build(issuer.name, issuer.keys, name, keys, List.of(), NOW.minus(Duration.ofDays(1)),
                NOW.plus(Duration.ofDays(30)), new BasicConstraints(0)), keys, name);
    }

    private static Issued issued(Issued issuer, String subject, List<String> dnsNames, Instant from, Instant to)
            throws Exception {
        KeyPair keys = keys();
        X500Name name = new X500Name(subject);
        return new Issued(build(issuer.name, issuer.keys, name, keys, dnsNames, from, to, null), keys, name);
    }

    private static X509Certificate build(X500Name issuer, KeyPair issuerKeys, X500Name subject, KeyPair subjectKeys,
                                         List<String> dnsNames, Instant from, Instant to,
                                         BasicConstraints constraints) throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                new BigInteger(64, new SecureRandom()), Date.from(from), Date.from(to), subject,
                subjectKeys.getPublic());
        if (!dnsNames.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
        }
        if (constraints != null) {
            builder.addExtension(Extension.basicConstraints, true, constraints);
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
