package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XTextTest {

    @Test
    void plusEqualsSpaceAndControlsAreHexEncoded() {
        assertThat(XText.encode("bob+tag=x y\t@example.org")).isEqualTo("bob+2Btag+3Dx+20y+09@example.org");
    }

    @Test
    void printableAsciiStandsForItself() {
        assertThat(XText.encode("QQ314159!\"#~")).isEqualTo("QQ314159!\"#~");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "simple", "a+b=c", "with space", "tab\there", "\u00e9l\u00e8ve", "+2B", "100%"})
    void roundTrips(String text) {
        assertThat(XText.decode(XText.encode(text))).isEqualTo(text);
    }

    @Test
    void everyOctetRoundTrips() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 256; c++) {
            all.append(c);
        }
        String encoded = XText.encode(all.toString());
        assertThat(encoded).matches("[!-~]+").doesNotContain("=");
        assertThat(XText.decode(encoded)).isEqualTo(all.toString());
    }

    @Test
    void decodesHexchars() {
        assertThat(XText.decode("bob+2Bx@example.org")).isEqualTo("bob+x@example.org");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a=b", "a+", "a+2", "a+2b", "a+G0", "caf\u00e9", "a\tb"})
    void malformedIsNull(String xtext) {
        assertThat(XText.decode(xtext)).isNull();
    }

    @Test
    void beyondOctetsIsRefused() {
        assertThatThrownBy(() -> XText.encode("\u20ac")).isInstanceOf(IllegalArgumentException.class);
    }
}
