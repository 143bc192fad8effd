package dev.tern.mailauth;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import dev.tern.protocol.dkim.BodyHash;
import dev.tern.protocol.dkim.DkimSignature;
import dev.tern.protocol.dkim.DkimSyntaxException;
import dev.tern.protocol.dkim.DkimVerifier;
import dev.tern.protocol.dkim.HeaderField;
import dev.tern.protocol.mailauth.AuthenticationResults;
import dev.tern.store.StagedCopy;

/**
 * One streamed pass over a staged message for authentication: its header fields (bounded:
 * {@value #FIELD_LIMIT} octets of each field, {@value #HEADER_LIMIT} in all), where the
 * Authentication-Results fields with our authserv-id lie, and each DKIM signature's body hash
 * (the body read in blocks, never held).
 */
final class MessageScan {

    /** Octets of one field kept; the rest of a longer field is read past. */
    static final int FIELD_LIMIT = 64 * 1024;
    /** Octets of fields kept for DKIM; past it the header section counts as too large to verify. */
    static final int HEADER_LIMIT = 512 * 1024;
    /** Signatures verified per message (RFC 6376 §6.1 lets a verifier limit them). */
    static final int MAX_SIGNATURES = 5;
    private static final int BLOCK = 64 * 1024;

    /** A DKIM-Signature field and what became of it before any DNS question. */
    record Signature(HeaderField field, DkimSignature parsed, String problem, byte[] bodyHash) {
    }

    /**
     * @param headers  every field, top to bottom; empty with {@code tooLarge} when the header section was
     * @param tooLarge the header section exceeded {@link #HEADER_LIMIT}
     * @param from     the values of the From: fields
     * @param forged   Authentication-Results fields carrying our authserv-id (RFC 8601 §5), to drop
     */
    record Facts(List<HeaderField> headers, boolean tooLarge, List<String> from, List<Signature> signatures,
                 List<StagedCopy.Range> forged) {
    }

    private MessageScan() {
    }

    static Facts scan(Path file, long start, String authservId) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.position(start);
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel), BLOCK);
            HeaderReader reader = new HeaderReader(in, start, authservId);
            reader.read();
            List<Signature> signatures = reader.signatures;
            List<BodyHash> hashes = new ArrayList<>();
            for (Signature signature : signatures) {
                hashes.add(signature.parsed() == null ? null : DkimVerifier.bodyHash(signature.parsed()));
            }
            byte[] block = new byte[BLOCK];
            for (int n = in.read(block); n >= 0; n = in.read(block)) {
                for (BodyHash hash : hashes) {
                    if (hash != null) {
                        hash.update(block, 0, n);
                    }
                }
            }
            List<Signature> hashed = new ArrayList<>();
            for (int i = 0; i < signatures.size(); i++) {
                Signature s = signatures.get(i);
                hashed.add(hashes.get(i) == null ? s : new Signature(s.field(), s.parsed(), null, hashes.get(i).digest()));
            }
            return new Facts(reader.tooLarge ? List.of() : reader.fields, reader.tooLarge, reader.from, hashed,
                    reader.forged);
        }
    }

    private static Signature signature(HeaderField field) {
        try {
            return new Signature(field, DkimSignature.parse(field), null, null);
        } catch (DkimSyntaxException e) {
            return new Signature(field, null, e.getMessage(), null);
        }
    }

    /**
     * Reads fields up to the empty line that ends the header section (or the end of the file),
     * keeping what authentication needs as each field ends.
     */
    private static final class HeaderReader {
        /** From: fields kept: one is what DMARC needs, more only make it a permerror. */
        private static final int MAX_FROM = 2;
        /** Forged fields removed; more than this many runs of them and the message is refused (451). */
        private static final int MAX_FORGED = 1000;

        private final InputStream in;
        private final String authservId;
        private final List<HeaderField> fields = new ArrayList<>();
        private final List<String> from = new ArrayList<>();
        private final List<StagedCopy.Range> forged = new ArrayList<>();
        private final List<Signature> signatures = new ArrayList<>();
        private final ByteArrayOutputStream field = new ByteArrayOutputStream();
        private long offset;
        private long fieldStart = -1;
        private long kept;
        private boolean tooLarge;

        HeaderReader(InputStream in, long offset, String authservId) {
            this.in = in;
            this.offset = offset;
            this.authservId = authservId;
        }

        void read() throws IOException {
            boolean atLineStart = true;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    finishField();
                    return;
                }
                offset++;
                if (atLineStart) {
                    long lineStart = offset - 1;
                    if (b == '\n' || (b == '\r' && peekLf())) {
                        finishField(lineStart);
                        return; // the empty line: the body follows
                    }
                    if (b != ' ' && b != '\t') {
                        finishField(lineStart);
                        fieldStart = lineStart;
                    }
                }
                if (fieldStart >= 0 && field.size() < FIELD_LIMIT) {
                    field.write(b);
                }
                atLineStart = b == '\n';
            }
        }

        /** After a CR at a line's start: consumes the LF of an empty line. */
        private boolean peekLf() throws IOException {
            in.mark(1);
            if (in.read() == '\n') {
                offset++;
                return true;
            }
            in.reset();
            return false;
        }

        private void forged(long start, long end) throws IOException {
            StagedCopy.Range last = forged.isEmpty() ? null : forged.get(forged.size() - 1);
            if (last != null && last.end() == start) {
                forged.set(forged.size() - 1, new StagedCopy.Range(last.start(), end)); // one run of adjacent fields
            } else if (forged.size() == MAX_FORGED) {
                throw new IOException("more than " + MAX_FORGED + " runs of forged Authentication-Results fields");
            } else {
                forged.add(new StagedCopy.Range(start, end));
            }
        }

        private void finishField() throws IOException {
            finishField(offset);
        }

        private void finishField(long end) throws IOException {
            if (fieldStart < 0) {
                return;
            }
            byte[] octets = field.toByteArray();
            int length = octets.length;
            while (length > 0 && (octets[length - 1] == '\n' || octets[length - 1] == '\r')) {
                length--;
            }
            kept += octets.length;
            tooLarge |= kept > HEADER_LIMIT;
            HeaderField parsed = HeaderField.of(new String(octets, 0, length, StandardCharsets.ISO_8859_1));
            if (!tooLarge) {
                fields.add(parsed);
            }
            if (parsed.named("From")) {
                if (from.size() < MAX_FROM) {
                    from.add(parsed.value());
                }
            } else if (parsed.named(AuthenticationResults.FIELD_NAME)
                    && AuthenticationResults.authservId(parsed.value()).equals(authservId)) {
                forged(fieldStart, end);
            } else if (parsed.named(DkimSignature.FIELD_NAME) && signatures.size() < MAX_SIGNATURES) {
                signatures.add(signature(parsed));
            }
            field.reset();
            fieldStart = -1;
        }
    }
}
