package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class AddressLiteralTest {

    @Test
    void anIpv4LiteralIsReadWithoutALookup() throws Exception {
        assertThat(AddressLiteral.parse("[192.0.2.1]")).contains(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}));
        assertThat(AddressLiteral.parse("[127.0.0.1]").orElseThrow().getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void anIpv6LiteralTakesItsTagInAnyCase() {
        assertThat(AddressLiteral.parse("[IPv6:2001:db8::1]").orElseThrow().getHostAddress())
                .isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(AddressLiteral.parse("[ipv6:::1]").orElseThrow().isLoopbackAddress()).isTrue();
        assertThat(AddressLiteral.parse("[::1]").orElseThrow().isLoopbackAddress()).as("untagged, but unambiguous")
                .isTrue();
    }

    @Test
    void whatIsNoAddressIsEmptyAndNeverLookedUp() {
        assertThat(AddressLiteral.parse("[127.0.0.300]")).isEmpty();
        assertThat(AddressLiteral.parse("[1.2.3]")).isEmpty();
        assertThat(AddressLiteral.parse("[localhost]")).isEmpty();
        assertThat(AddressLiteral.parse("[mail.example.test]")).isEmpty();
        assertThat(AddressLiteral.parse("[ipv6:127.0.0.1]")).isEmpty();
        assertThat(AddressLiteral.parse("[IPv6:fe80::zz]")).isEmpty();
        assertThat(AddressLiteral.parse("[]")).isEmpty();
        assertThat(AddressLiteral.parse("example.org")).isEmpty();
    }

    @Test
    void isLiteralLooksAtTheBracketsOnly() {
        assertThat(AddressLiteral.isLiteral("[x]")).isTrue();
        assertThat(AddressLiteral.isLiteral("example.org")).isFalse();
        assertThat(AddressLiteral.isLiteral("[example.org")).isFalse();
    }

    @Test
    void addressesAreWrittenInRfc5952Form() throws Exception {
        assertThat(AddressLiteral.of(InetAddress.getByName("[2001:0db8:0:0:1:0:0:1]"))).isEqualTo("IPv6:2001:db8::1:0:0:1");
        assertThat(AddressLiteral.of(InetAddress.getByName("[::1]"))).isEqualTo("IPv6:::1");
        assertThat(AddressLiteral.of(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}))).isEqualTo("10.0.0.1");
    }
}
