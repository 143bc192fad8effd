package dev.tern.protocol.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The body hash ({@code bh=}) computed as the body streams by in blocks of any size
 * (RFC 6376 §3.4.3, §3.4.4, §3.7): canonicalized on the fly, so no body is ever held. Trailing
 * empty lines are only counted, and hashed if more content follows. Lines end at CRLF; a bare
 * CR or LF is ordinary content.
 */
public final class BodyHash {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] CRLF = {CR, LF};

    private final MessageDigest digest;
    private final boolean relaxed;
    /** §3.5 {@code l=}: canonical octets to hash at most; negative: all */
    private final long limit;
    private final byte[] out = new byte[8192];
    private int outLength;
    private long hashed;
    /** canonical octets produced so far, before any limit: nonzero once the body has content */
    private long produced;
    private boolean lineEmpty = true;
    private long pendingEmptyLines;
    private boolean pendingCr;
    private boolean pendingSpace;

    private BodyHash(Canonicalization canonicalization, long limit) {
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        this.relaxed = canonicalization == Canonicalization.RELAXED;
        this.limit = limit;
    }

    /** SHA-256 of the whole canonical body: what a signer puts in {@code bh=}. */
    public static BodyHash sha256(Canonicalization canonicalization) {
        return new BodyHash(canonicalization, -1);
    }

    /** Limited to a signature's {@code l=} octets of canonical body (§3.5; verifying only). */
    public static BodyHash sha256(Canonicalization canonicalization, long limit) {
        return new BodyHash(canonicalization, limit);
    }

    public void update(byte[] octets) {
        update(octets, 0, octets.length);
    }

    public void update(byte[] octets, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = octets[i];
            if (pendingCr) {
                pendingCr = false;
                if (b == LF) {
                    endLine();
                    continue;
                }
                content(CR);
            }
            if (b == CR) {
                pendingCr = true;
            } else if (relaxed && (b == ' ' || b == '\t')) {
                pendingSpace = true; // §3.4.4: a run of WSP becomes one SP, and none at a line's end
            } else {
                content(b);
            }
        }
    }

    /** The hash of the canonical body; the instance is spent. */
    public byte[] digest() {
        if (pendingCr) {
            pendingCr = false;
            content(CR);
        }
        if (!lineEmpty) {
            emit(CRLF); // §3.4.3, §3.4.4: a body not ending in CRLF gets one
        } else if (produced == 0 && !relaxed) {
            emit(CRLF); // §3.4.3: an empty simple body is one CRLF; relaxed is empty (§3.4.4)
        }
        flush();
        return digest.digest();
    }

    /** Octets of canonical body seen (limit or not): what a verifier compares with {@code l=}. */
    public long canonicalLength() {
        return produced;
    }

    private void endLine() {
        pendingSpace = false;
        if (lineEmpty) {
            pendingEmptyLines++; // hashed only if content follows (§3.4.3: trailing empty lines go)
        } else {
            emit(CRLF);
            lineEmpty = true;
        }
    }

    private void content(byte b) {
        if (lineEmpty) {
            for (; pendingEmptyLines > 0; pendingEmptyLines--) {
                emit(CRLF);
            }
            lineEmpty = false;
        }
        if (pendingSpace) {
            pendingSpace = false;
            emit((byte) ' ');
        }
        emit(b);
    }

    private void emit(byte[] octets) {
        for (byte b : octets) {
            emit(b);
        }
    }

    private void emit(byte b) {
        produced++;
        if (limit >= 0 && hashed >= limit) {
            return;
        }
        hashed++;
        out[outLength++] = b;
        if (outLength == out.length) {
            flush();
        }
    }

    private void flush() {
        digest.update(out, 0, outLength);
        outLength = 0;
    }
}
