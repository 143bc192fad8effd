package dev.tern.streams.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** 8-bit octets in a stored message's header section or anywhere, read in 16 KiB blocks: every split place. */
class MessageOctetsTest {

    private static final int BLOCK = 16 * 1024;

    @TempDir
    Path dir;

    private MessageOctets octets(String text, long offset, long size) throws IOException {
        return new MessageOctets(Files.write(dir.resolve("m"), text.getBytes(ISO_8859_1)), offset, size);
    }

    private MessageOctets octets(String text) throws IOException {
        return octets(text, 0, text.length());
    }

    /** ASCII header lines filling {@code length} octets, CRLF-terminated. */
    private static String headers(int length) {
        StringBuilder text = new StringBuilder();
        while (text.length() < length - 2) {
            text.append("X-Filler: ").append("a".repeat(Math.min(60, Math.max(0, length - text.length() - 14))))
                    .append("\r\n");
        }
        return text.substring(0, length - 2) + "\r\n";
    }

    @ParameterizedTest
    @ValueSource(ints = {BLOCK - 4, BLOCK - 3, BLOCK - 2, BLOCK - 1, BLOCK, BLOCK + 1, 40})
    void theEmptyLineEndsTheHeaderSectionAcrossBlocks(int headerLength) throws IOException {
        String message = headers(headerLength) + "\r\ncaf\u00e9\r\n";
        assertThat(message.indexOf("\r\n\r\n")).isEqualTo(headerLength - 2);

        assertThat(octets(message).headerSectionHasEightBit()).isFalse();
        assertThat(octets(message).hasEightBit()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, BLOCK - 1, BLOCK, BLOCK + 5})
    void anEightBitOctetInTheHeadersWherever(int at) throws IOException {
        String head = headers(BLOCK * 2);
        String message = head.substring(0, at) + "\u00e9" + head.substring(at + 1) + "\r\nbody\r\n";

        assertThat(octets(message).headerSectionHasEightBit()).isTrue();
        assertThat(octets(message).hasEightBit()).isTrue();
    }

    @Test
    void onlyTheRegionBetweenOffsetAndSizeCounts() throws IOException {
        String before = "Return-Path: <j\u00f6ran@x>\r\n";
        String message = "Subject: plain\r\n\r\nplain\r\n";
        MessageOctets region = octets(before + message + "\u00ff", before.length(), message.length());

        assertThat(region.headerSectionHasEightBit()).isFalse();
        assertThat(region.hasEightBit()).isFalse();
    }

    @Test
    void aMessageThatStartsWithTheEmptyLineHasNoHeaders() throws IOException {
        assertThat(octets("\r\nSubject: caf\u00e9\r\n").headerSectionHasEightBit()).isFalse();
    }

    @Test
    void aMessageWithoutBodyIsAllHeaderSection() throws IOException {
        assertThat(octets("Subject: caf\u00e9").headerSectionHasEightBit()).isTrue();
        assertThat(octets("Subject: cafe\r\n").headerSectionHasEightBit()).isFalse();
    }
}
