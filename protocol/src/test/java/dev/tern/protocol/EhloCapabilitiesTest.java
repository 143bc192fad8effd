package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class EhloCapabilitiesTest {

    private static EhloCapabilities parse(String... lines) {
        return EhloCapabilities.parse(new SmtpReply(250, null, List.of(lines)));
    }

    @Test
    void readsTheCommonExtensions() {
        EhloCapabilities caps = parse("mx.example.com Hello client", "PIPELINING", "SIZE 10240000",
                "STARTTLS", "8BITMIME", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN");
        assertThat(caps.domain()).isEqualTo("mx.example.com");
        assertThat(caps.pipelining()).isTrue();
        assertThat(caps.startTls()).isTrue();
        assertThat(caps.has("STARTTLS")).isTrue();
        assertThat(caps.eightBitMime()).isTrue();
        assertThat(caps.size()).isTrue();
        assertThat(caps.sizeLimit()).isEqualTo(OptionalLong.of(10240000));
        assertThat(caps.parameters("auth")).hasValue(List.of("PLAIN", "LOGIN"));
        assertThat(caps.has("SMTPUTF8")).isFalse();
        assertThat(caps.parameters("SMTPUTF8")).isEmpty();
    }

    @Test
    void keywordsAreCaseInsensitive() {
        EhloCapabilities caps = parse("mx", "starttls", "Pipelining", "size 5000", "8bitmime");
        assertThat(caps.startTls()).isTrue();
        assertThat(caps.pipelining()).isTrue();
        assertThat(caps.eightBitMime()).isTrue();
        assertThat(caps.has("StartTLS")).isTrue();
        assertThat(caps.sizeLimit()).isEqualTo(OptionalLong.of(5000));
    }

    @Test
    void sizeWithoutFixedMaximum() {
        assertThat(parse("mx", "SIZE").size()).isTrue();
        assertThat(parse("mx", "SIZE").sizeLimit()).isEmpty();
        assertThat(parse("mx", "SIZE 0").sizeLimit()).isEmpty();
        assertThat(parse("mx", "SIZE lots").sizeLimit()).isEmpty();
        assertThat(parse("mx").size()).isFalse();
    }

    @Test
    void singleLineReplyAdvertisesNothing() {
        EhloCapabilities caps = parse("mx.example.com");
        assertThat(caps.keywords()).isEmpty();
        assertThat(caps.startTls()).isFalse();
        assertThat(caps.pipelining()).isFalse();
    }

    @Test
    void heloMeansNoExtensions() {
        EhloCapabilities caps = EhloCapabilities.none("mx.example.com");
        assertThat(caps.domain()).isEqualTo("mx.example.com");
        assertThat(caps.keywords()).isEmpty();
        assertThat(caps.sizeLimit()).isEmpty();
    }

    @Test
    void blankLinesAndExtraSpacesAreTolerated() {
        EhloCapabilities caps = parse("mx", "", "  SIZE   100  ", "STARTTLS");
        assertThat(caps.keywords()).containsOnlyKeys("SIZE", "STARTTLS");
        assertThat(caps.sizeLimit()).isEqualTo(OptionalLong.of(100));
    }
}
