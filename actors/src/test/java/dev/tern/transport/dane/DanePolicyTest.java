package dev.tern.transport.dane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.tern.streams.client.PkixCheck;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.streams.client.TlsVerdict;
import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.SignedZone;
import dev.tern.testing.TestCa;
import dev.tern.transport.DestinationSecurity;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.LocalPolicy;
import dev.tern.transport.OutboundTls;
import dev.tern.transport.PolicyRef;

/** The DANE decision per MX host, over a signed zone on loopback, with --outbound-tls opportunistic behind it. */
class DanePolicyTest {

    private FakeDnsServer dns;
    private TestCa ca;
    private TestCa.Issued mx;
    private TestCa.Issued other;
    private DanePolicy policy;

    @BeforeEach
    void zone() throws Exception {
        ca = TestCa.create();
        mx = ca.issue("mx.secure.test");
        other = ca.issue("mx.secure.test");
        dns = FakeDnsServer.start();
        SignedZone zone = SignedZone.create("secure.test")
                .a("mx.secure.test", "127.0.0.1")
                .tlsa(25, "mx.secure.test", 3, 1, 1, spkiSha256(mx))
                .a("ta.secure.test", "127.0.0.1")
                .tlsa(25, "ta.secure.test", 2, 0, 1,
                        MessageDigest.getInstance("SHA-256").digest(ca.certificate().getEncoded()))
                .a("pkix.secure.test", "127.0.0.1")
                .tlsa(25, "pkix.secure.test", 1, 1, 1, spkiSha256(mx))
                .a("forged.secure.test", "127.0.0.1")
                .tlsa(25, "forged.secure.test", 3, 1, 1, spkiSha256(mx))
                .corruptSignature("_25._tcp.forged.secure.test", Type.TLSA);
        zone.publish(dns);
        dns.a("mx.plain.test", "127.0.0.1");
        TlsaLookup lookup = new TlsaLookup(List.of(dns.address()), Duration.ofSeconds(2), 25,
                TrustAnchors.parse(zone.trustAnchor().getBytes(StandardCharsets.US_ASCII), "test"), Clock.systemUTC());
        policy = new DanePolicy(lookup, new LocalPolicy(OutboundTls.OPPORTUNISTIC, PkixCheck.trusting(List.of())),
                Clock.systemUTC());
    }

    @AfterEach
    void close() {
        dns.close();
    }

    private DestinationSecurity decide(String... hosts) throws Exception {
        return policy.forDestination("example.test", List.of(hosts)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void secureTlsaRecordsGovernTheHost() throws Exception {
        HostSecurity host = decide("mx.secure.test").host("mx.secure.test");
        assertEquals(TlsPolicy.REQUIRED, host.security().startTls());
        assertTrue(host.security().enforce());
        assertEquals("dane", host.security().policy());
        assertTrue(host.security().hostAuthenticated(), "RFC 8689 §4.2.1: DANE authenticates the MX host");
        assertTrue(host.allowed());
        assertEquals(new PolicyRef("tlsa", "example.test",
                List.of("3 1 1 " + HexFormat.of().withUpperCase().formatHex(spkiSha256(mx))), List.of()), host.policy());
        assertEquals(new TlsVerdict.Verified("DANE-EE(3) 1 1"),
                host.security().check().check(mx.chain(), "mx.secure.test"));
        TlsVerdict wrongKey = host.security().check().check(other.chain(), "mx.secure.test");
        assertInstanceOf(TlsVerdict.Failed.class, wrongKey);
        assertEquals(TlsFailure.TLSA_INVALID, ((TlsVerdict.Failed) wrongKey).failure());
    }

    @Test
    void daneTaUsesTheClientsNameCheck() throws Exception {
        HostSecurity host = decide("ta.secure.test").host("ta.secure.test");
        TestCa.Issued named = ca.issue("*.secure.test");
        assertEquals(new TlsVerdict.Verified("DANE-TA(2) 0 1 for ta.secure.test"),
                host.security().check().check(named.chain(), "ta.secure.test"));
        // mx's certificate is from the same CA but for another name
        assertInstanceOf(TlsVerdict.Failed.class, host.security().check().check(mx.chain(), "ta.secure.test"));
    }

    @Test
    void noUsableRecordMeansTlsWithoutAuthentication() throws Exception {
        HostSecurity host = decide("pkix.secure.test").host("pkix.secure.test");
        assertEquals(TlsPolicy.REQUIRED, host.security().startTls(), "RFC 7672 §2.2: TLS is still mandatory");
        assertFalse(host.security().enforce(), "but a failed check does not end the session");
        TlsVerdict verdict = host.security().check().check(mx.chain(), "pkix.secure.test");
        assertEquals(TlsFailure.TLSA_INVALID, ((TlsVerdict.Failed) verdict).failure(), "reported as tlsa-invalid");
    }

    @Test
    void aBogusTlsaRecordRulesTheHostOut() throws Exception {
        DestinationSecurity security = decide("forged.secure.test", "mx.plain.test");
        HostSecurity forged = security.host("forged.secure.test");
        assertFalse(forged.allowed());
        assertTrue(forged.excludedBecause().orElseThrow().contains("dnssec-invalid"), forged.toString());
        assertTrue(security.host("mx.plain.test").allowed(), "the other MX host is still tried");
        assertTrue(security.refusal().isEmpty());
        DestinationSecurity alone = decide("forged.secure.test");
        assertTrue(alone.refusal().orElseThrow().contains("DNSSEC-bogus"), alone.toString());
    }

    @Test
    void otherHostsFallBackInTheirPlace() throws Exception {
        DestinationSecurity security = decide("mx.plain.test", "mx.secure.test");
        assertEquals(List.of("mx.plain.test", "mx.secure.test"), security.hosts().stream().map(HostSecurity::host).toList());
        HostSecurity plain = security.host("mx.plain.test");
        assertEquals("opportunistic", plain.security().policy());
        assertFalse(plain.security().hostAuthenticated());
        assertEquals(PolicyRef.none("example.test"), plain.policy());
        assertEquals("dane", security.host("mx.secure.test").security().policy());
    }

    private static byte[] spkiSha256(TestCa.Issued issued) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(issued.leaf().getPublicKey().getEncoded());
    }
}
