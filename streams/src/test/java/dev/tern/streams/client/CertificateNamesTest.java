package dev.tern.streams.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tern.testing.TestCa;

/** RFC 6125 §6.4.3 and RFC 7672 §3.2.3 name matching. */
class CertificateNamesTest {

    @Test
    void exactNamesMatchWithoutCaseOrTrailingDot() {
        assertThat(CertificateNames.matches("mx.example.com", "MX.Example.COM.")).isTrue();
        assertThat(CertificateNames.matches("mx.example.com.", "mx.example.com")).isTrue();
        assertThat(CertificateNames.matches("mx.example.com", "mx2.example.com")).isFalse();
        assertThat(CertificateNames.matches("example.com", "mx.example.com")).isFalse();
    }

    @Test
    void aWildcardStandsForExactlyTheWholeLeftmostLabel() {
        assertThat(CertificateNames.matches("*.example.com", "mx.example.com")).isTrue();
        assertThat(CertificateNames.matches("*.example.com", "example.com")).isFalse();
        assertThat(CertificateNames.matches("*.example.com", "a.mx.example.com")).isFalse();
        assertThat(CertificateNames.matches("m*.example.com", "mx.example.com")).isFalse();
        assertThat(CertificateNames.matches("mx.*.com", "mx.example.com")).isFalse();
        assertThat(CertificateNames.matches("*.com", "example.com")).as("not over a single label").isFalse();
        assertThat(CertificateNames.matches("*.example.com", "*.example.com")).isFalse();
    }

    @Test
    void internationalNamesCompareAsALabels() {
        assertThat(CertificateNames.matches("mx.xn--bcher-kva.example", "mx.bücher.example")).isTrue();
    }

    @Test
    void subjectAltNamesAreTheNamesOfACertificate() throws Exception {
        TestCa ca = TestCa.create();
        TestCa.Issued issued = ca.issue("mx1.example.com", "*.mail.example.com");

        assertThat(CertificateNames.of(issued.leaf())).containsExactly("mx1.example.com", "*.mail.example.com");
        assertThat(CertificateNames.matchesAny(issued.leaf(), List.of("in.mail.example.com"))).isTrue();
        assertThat(CertificateNames.matchesAny(issued.leaf(), List.of("mx2.example.com"))).isFalse();
    }
}
