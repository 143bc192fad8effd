package dev.tern.streams.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.TestCa;

/** The web PKI check of {@code --outbound-tls verify} and MTA-STS, against a test CA. */
class PkixCheckTest {

    private static TestCa ca;
    private static PkixCheck trustingTheCa;

    @BeforeAll
    static void createCa() throws Exception {
        ca = TestCa.create();
        trustingTheCa = PkixCheck.trusting(List.of(ca.certificate()));
    }

    @Test
    void aChainToATrustedCaForTheMxNameIsVerified() throws Exception {
        TlsVerdict verdict = trustingTheCa.check(ca.issue("mx.example.com").chain(), "mx.example.com");

        assertThat(verdict).isEqualTo(new TlsVerdict.Verified("PKIX for mx.example.com"));
    }

    @Test
    void theLeafAloneIsEnoughWhenTheCaIsTrusted() throws Exception {
        assertThat(trustingTheCa.check(List.of(ca.issue("mx.example.com").leaf()), "mx.example.com").verified())
                .isTrue();
    }

    @Test
    void anotherNameIsAHostMismatch() throws Exception {
        TlsVerdict verdict = trustingTheCa.check(ca.issue("www.example.com").chain(), "mx.example.com");

        assertThat(verdict).isInstanceOf(TlsVerdict.Failed.class);
        TlsVerdict.Failed failed = (TlsVerdict.Failed) verdict;
        assertThat(failed.failure()).isEqualTo(TlsFailure.CERTIFICATE_HOST_MISMATCH);
        assertThat(failed.reason()).contains("www.example.com").contains("mx.example.com");
    }

    @Test
    void aSelfSignedCertificateIsNotTrusted() throws Exception {
        TlsVerdict verdict = trustingTheCa.check(TestCa.selfSigned("mx.example.com").chain(), "mx.example.com");

        assertThat(((TlsVerdict.Failed) verdict).failure()).isEqualTo(TlsFailure.CERTIFICATE_NOT_TRUSTED);
    }

    @Test
    void theTestCaIsNotTrustedWithoutTlsTrust() throws Exception {
        TlsVerdict verdict = PkixCheck.trusting(List.of()).check(ca.issue("mx.example.com").chain(), "mx.example.com");

        assertThat(((TlsVerdict.Failed) verdict).failure()).isEqualTo(TlsFailure.CERTIFICATE_NOT_TRUSTED);
    }

    @Test
    void anExpiredCertificateIsExpired() throws Exception {
        Instant now = Instant.now();
        TestCa.Issued expired = ca.issue(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)), "mx.example.com");

        TlsVerdict verdict = trustingTheCa.check(expired.chain(), "mx.example.com");

        assertThat(((TlsVerdict.Failed) verdict).failure()).isEqualTo(TlsFailure.CERTIFICATE_EXPIRED);
    }

    @Test
    void anyReferenceIdentifierMayMatch() throws Exception {
        TlsVerdict verdict = trustingTheCa.check(ca.issue("example.com").chain(),
                List.of("mx.example.com", "example.com"), "mx.example.com");

        assertThat(verdict.verified()).isTrue();
    }

    @Test
    void resultTypesAreRfc8460Words() {
        assertThat(TlsFailure.CERTIFICATE_HOST_MISMATCH.resultType()).isEqualTo("certificate-host-mismatch");
        assertThat(TlsFailure.STARTTLS_NOT_SUPPORTED.resultType()).isEqualTo("starttls-not-supported");
        assertThat(TlsFailure.STS_WEBPKI_INVALID.resultType()).isEqualTo("sts-webpki-invalid");
    }
}
