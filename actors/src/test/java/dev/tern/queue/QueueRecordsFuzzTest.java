package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the queue record reader {@link QueueRecords#parse} with arbitrary {@code .env} content (FUZZING.md).
 * Replays {@code QueueRecordsFuzzTestInputs/envelopeRecord/} in every test run.
 */
class QueueRecordsFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void envelopeRecord(byte[] input) {
        String text;
        try { // as QueueSpool reads a record: strict UTF-8
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(input)).toString();
        } catch (CharacterCodingException e) {
            text = new String(input, StandardCharsets.ISO_8859_1); // still worth parsing
        }

        // escaping keeps any value on one line and is undone exactly
        String escaped = QueueRecords.escape(text);
        assertThat(escaped).doesNotContain("\n").doesNotContain("\r");
        try {
            assertThat(QueueRecords.unescape(escaped)).isEqualTo(text);
        } catch (QueueRecordException e) {
            throw new AssertionError("cannot unescape what escape wrote: " + escaped, e);
        }

        QueueEntry entry;
        try {
            entry = QueueRecords.parse(text);
        } catch (QueueRecordException e) {
            return; // the documented failure: the spool quarantines the record
        }
        assertThat(entry).isNotNull();
        // a record that was read is written back (after the next attempt) and must read back the same
        String written = QueueRecords.write(entry);
        try {
            assertThat(QueueRecords.parse(written)).isEqualTo(entry);
        } catch (QueueRecordException e) {
            throw new AssertionError("cannot read back\n" + written, e);
        }
    }
}
