package dev.tern.router;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.tern.files.PrivateFiles;
import dev.tern.protocol.MailAddress;
import dev.tern.store.StagedMessage;

/**
 * A mailbox's own copy of a staged message, with {@code Delivered-To:} naming the address
 * that led there: written when that is not simply the mailbox's name (an alias, a
 * sub-address, postmaster's fallback), so the reader sees which address the mail was for
 * (Postfix's local(8) does the same). The field goes after the Return-Path: line (RFC 5321
 * §4.4: trace fields are prepended at delivery, Return-Path first). Every other copy shares
 * the staged file itself; this one is streamed beside it, and deleted once stored.
 */
final class DeliveredTo {

    private DeliveredTo() {
    }

    /** Writes the copy next to the staged file (0600); the caller deletes it once stored. */
    static StagedMessage copy(StagedMessage staged, MailAddress address, String user) throws IOException {
        byte[] field = ("Delivered-To: " + address + "\r\n").getBytes(StandardCharsets.UTF_8);
        Path copy = staged.file().resolveSibling(staged.file().getFileName() + ".to." + user);
        try (FileChannel in = FileChannel.open(staged.file(), StandardOpenOption.READ);
             FileChannel out = PrivateFiles.create(copy)) {
            transfer(in, 0, staged.relayOffset(), out);
            ByteBuffer buffer = ByteBuffer.wrap(field);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            transfer(in, staged.relayOffset(), staged.size() - staged.relayOffset(), out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return new StagedMessage(copy, staged.size() + field.length, staged.relayOffset() + field.length);
    }

    private static void transfer(FileChannel in, long from, long count, FileChannel out) throws IOException {
        for (long done = 0; done < count; ) {
            long moved = in.transferTo(from + done, count - done, out);
            if (moved <= 0 && in.size() <= from + done) {
                throw new IOException("staged file shorter than its " + (from + count) + " octets");
            }
            done += moved;
        }
    }
}
