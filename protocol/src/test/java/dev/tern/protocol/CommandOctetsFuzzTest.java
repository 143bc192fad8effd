package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link CommandParser#parse(ByteBuffer)}, a command line's octets as they come off the
 * wire (FUZZING.md): never throws; valid UTF-8 parses as its text does; anything else is a 500.
 */
class CommandOctetsFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void commandOctets(byte[] input) {
        SmtpCommand command = CommandParser.parse(ByteBuffer.wrap(input));

        assertThat(command).isNotNull();
        if (input.length > CommandParser.lengthLimit(new String(input, StandardCharsets.ISO_8859_1))) {
            assertThat(command).isEqualTo(new SmtpCommand.Invalid(Replies.LINE_TOO_LONG));
            return;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(input)).toString();
        } catch (CharacterCodingException notUtf8) {
            assertThat(command).isEqualTo(new SmtpCommand.Invalid(Replies.COMMAND_NOT_UTF8));
            return;
        }
        assertThat(command).isEqualTo(CommandParser.parse(text));
    }
}
