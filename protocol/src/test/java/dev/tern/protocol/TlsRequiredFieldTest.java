package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8689 §5: {@code TLS-Required: No} in a header block, and what does not count as it. */
class TlsRequiredFieldTest {

    private static boolean waives(String headers) {
        return TlsRequiredField.waivesTlsPolicy(headers.getBytes(StandardCharsets.ISO_8859_1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "TLS-Required: No\r\n",
            "Subject: x\r\nTLS-Required: No\r\nTo: <b@d.test>\r\n",
            "tls-required: no\r\n",
            "TLS-REQUIRED:NO\r\n",
            "TLS-Required:   No   \r\n",
            "TLS-Required:\r\n No\r\n", // folded
            "TLS-Required: No\n", // bare LF, as some stores keep it
            "TLS-Required: No", // the last line, unterminated
    })
    void theFieldWaivesThePolicy(String headers) {
        assertThat(waives(headers)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "Subject: x\r\n",
            "TLS-Required: Yes\r\n",
            "TLS-Required: No thanks\r\n",
            "TLS-Required:\r\n",
            "X-TLS-Required: No\r\n",
            "TLS-Required-Not: No\r\n",
            "Subject: TLS-Required: No\r\n",
            "Subject: a\r\n TLS-Required: No\r\n", // a folded continuation of Subject, not a field
    })
    void anythingElseDoesNot(String headers) {
        assertThat(waives(headers)).isFalse();
    }
}
