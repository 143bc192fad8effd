package dev.tern.protocol;

import java.nio.ByteBuffer;

/**
 * Loop detection by counting {@code Received:} fields in a message's header section (RFC 5321 §6.3), fed the
 * octets as they arrive: DATA lines (with their CRLF) or BDAT chunks, which may split a line anywhere. Only the
 * header section is read; the body is passed over without a look. One instance per message.
 */
public final class HopCount {

    /** RFC 5321 §6.3: "a large rejection threshold, normally at least 100 Received entries". */
    public static final int LIMIT = 100;

    private static final byte[] RECEIVED = "received:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private int received;
    private boolean inHeaders = true;
    /** Octets of the current line so far, CRs not counted. */
    private int column;
    /** Whether the current line still begins like {@code Received:}. */
    private boolean matching = true;

    /** More octets of the message, from where the last ones ended. */
    public void feed(ByteBuffer octets) {
        for (int i = octets.position(); i < octets.limit() && inHeaders; i++) {
            byte b = octets.get(i);
            if (b == '\n') {
                inHeaders = column > 0; // an empty line ends the header section (RFC 5322 §2.1)
                column = 0;
                matching = true;
            } else if (b != '\r') {
                if (matching && column < RECEIVED.length) {
                    matching = Character.toLowerCase((char) (b & 0xff)) == RECEIVED[column];
                    if (matching && column == RECEIVED.length - 1) {
                        received++;
                    }
                }
                column++;
            }
        }
    }

    /** The {@code Received:} fields counted so far. */
    public int received() {
        return received;
    }

    /** More {@code Received:} fields than {@link #LIMIT}: the message has been here before, or gone round. */
    public boolean tooMany() {
        return received > LIMIT;
    }
}
