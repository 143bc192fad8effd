package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link ReplyParser} with arbitrary server output (FUZZING.md). Replays
 * {@code ReplyParserFuzzTestInputs/serverLines/} in every test run.
 *
 * <p>Input: the server's text, one reply line per LF. After a malformed line the parser is reset, as a client
 * that gave up on the reply would, and the next lines are read too.
 */
class ReplyParserFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void serverLines(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        ReplyParser parser = new ReplyParser();
        for (String line : text.split("\n", -1)) {
            Optional<SmtpReply> reply;
            try {
                reply = parser.accept(line);
            } catch (MalformedReplyException e) { // the one documented failure
                assertThat(e.line()).isEqualTo(line);
                parser.reset();
                assertThat(parser.inProgress()).isFalse();
                continue;
            }
            assertThat(reply).isNotNull();
            if (reply.isEmpty()) {
                assertThat(parser.inProgress()).isTrue();
                continue;
            }
            assertThat(parser.inProgress()).isFalse();
            SmtpReply parsed = reply.get();
            assertThat(parsed.code()).isBetween(200, 599);
            assertThat(line).startsWith(Integer.toString(parsed.code()));
            if (parsed.enhancedCode() != null) {
                // RFC 3463 §2: class.subject.detail, the class matching the reply's first digit (RFC 2034 §4)
                assertThat(parsed.enhancedCode()).matches("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}")
                        .startsWith(Integer.toString(parsed.code() / 100) + ".");
            }
            // the reply as we would send it reads back as the same reply
            List<String> rendered = Arrays.asList(parsed.render().split("\r\n", -1));
            assertThat(rendered.get(rendered.size() - 1)).isEmpty();
            assertThat(ReplyParser.parse(rendered.subList(0, rendered.size() - 1))).isEqualTo(parsed);
        }
    }
}
