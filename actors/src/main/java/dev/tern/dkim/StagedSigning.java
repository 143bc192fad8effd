package dev.tern.dkim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.tern.protocol.dkim.AuthorDomain;
import dev.tern.protocol.dkim.BodyHash;
import dev.tern.protocol.dkim.DkimSigner;
import dev.tern.protocol.dkim.HeaderField;
import dev.tern.store.StagedInsertion;
import dev.tern.store.StagedMessage;

/**
 * Signs a staged message (blocking file I/O: run it off the actors' threads). The header section
 * is read into a bounded buffer, the body streamed through the hash in blocks, and the
 * DKIM-Signature field put into the staged file itself, after the part only final delivery keeps
 * (Return-Path:): {@link StagedInsertion}, no second file. So the file must still be the
 * sender's own, linked nowhere yet.
 */
final class StagedSigning {

    /** A header section longer than this is not signed (a client may send a 1 MiB header). */
    static final int HEADER_LIMIT = 64 * 1024;
    private static final int BLOCK = 64 * 1024;

    private StagedSigning() {
    }

    /** The outcome: a signed copy, or why none was made (no error: nothing to sign with). */
    sealed interface Result permits Signed, Unsigned {
    }

    record Signed(StagedMessage message, String domain, String selector) implements Result {
    }

    record Unsigned(String why) implements Result {
    }

    /**
     * @throws StagedInsertion.Damaged  the field went in part-way: the file no longer holds the message
     * @throws IOException              the staged file cannot be read or grow; it is as it was
     * @throws GeneralSecurityException the key refuses to sign; the file is as it was
     */
    static Result sign(StagedMessage staged, DkimKeys keys, Instant now)
            throws IOException, GeneralSecurityException {
        byte[] field;
        DkimSigner key;
        try (FileChannel in = FileChannel.open(staged.file(), StandardOpenOption.READ)) {
            long length = staged.size() - staged.relayOffset();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(length, HEADER_LIMIT + 4)); // no bigger than the message
            in.position(staged.relayOffset());
            readFully(in, head);
            head.flip();
            int headerEnd = headerEnd(head, length <= head.limit());
            if (headerEnd < 0) {
                return new Unsigned("header section over " + HEADER_LIMIT / 1024 + " KiB");
            }
            List<HeaderField> headers = HeaderField.parse(head.array(), Math.max(0, headerEnd - 2));
            Optional<String> domain = AuthorDomain.of(headers);
            if (domain.isEmpty()) {
                return new Unsigned("no single From: domain");
            }
            Optional<DkimSigner> signer = keys.forDomain(domain.get());
            if (signer.isEmpty()) {
                return new Unsigned("no key for " + domain.get());
            }
            BodyHash body = signer.get().bodyHash();
            int bodyStart = Math.min(head.limit(), headerEnd + 2); // after the empty line
            body.update(head.array(), bodyStart, head.limit() - bodyStart);
            if (in.position() < staged.size()) {
                ByteBuffer block = ByteBuffer.allocate(BLOCK);
                while (in.read(block) > 0) {
                    body.update(block.array(), 0, block.position());
                    block.clear();
                }
            }
            key = signer.get();
            field = key.sign(headers, body.digest(), now).getBytes(StandardCharsets.ISO_8859_1);
        }
        return new Signed(StagedInsertion.insert(staged, field), key.domain(), key.selector());
    }

    /**
     * The offset just past the header section's last CRLF (the empty line follows), or -1 if the
     * section does not end within the buffer. A message of header fields alone ends at its end.
     */
    private static int headerEnd(ByteBuffer head, boolean wholeMessage) {
        byte[] octets = head.array();
        int limit = head.limit();
        if (limit >= 2 && octets[0] == '\r' && octets[1] == '\n') {
            return 0; // no header fields at all
        }
        for (int i = 0; i + 3 < limit && i < HEADER_LIMIT; i++) {
            if (octets[i] == '\r' && octets[i + 1] == '\n' && octets[i + 2] == '\r' && octets[i + 3] == '\n') {
                return i + 2;
            }
        }
        return wholeMessage && limit <= HEADER_LIMIT ? limit : -1;
    }

    private static void readFully(FileChannel in, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining() && in.read(buffer) > 0) {
            // fill the header buffer, or stop at the end of the file
        }
    }
}
