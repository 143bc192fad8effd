package dev.tern.protocol.dkim;

import java.util.List;

/**
 * Writes a tag-list header field folded into short lines (RFC 5322 §2.2.3: CRLF and a tab),
 * breaking only where RFC 6376 allows folding whitespace: between tags, around the colons of
 * {@code h=}, inside base64.
 */
final class FoldedField {

    private final StringBuilder text = new StringBuilder();
    private final int width;
    private int lineStart;
    private boolean first = true;

    FoldedField(String name, int width) {
        this.width = width;
        text.append(name).append(':');
    }

    void tag(String name, String value) {
        piece(name + "=" + value + ";");
    }

    void list(String name, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            String item = (i == 0 ? name + "=" : "") + values.get(i) + (i == values.size() - 1 ? ";" : ":");
            if (i == 0) {
                piece(item);
            } else {
                append(item, false);
            }
        }
    }

    /** The last tag's name and {@code =}: the text signed with an empty value (§3.7). */
    void lastTagStart(String name) {
        piece(name + "=");
    }

    /** The last tag's value, folded wherever a line fills up. */
    void base64(String value) {
        int at = 0;
        while (at < value.length()) {
            int room = Math.max(1, width - (text.length() - lineStart));
            if (room <= 8 && at < value.length()) {
                fold();
                room = width - 1;
            }
            int end = Math.min(value.length(), at + room);
            text.append(value, at, end);
            at = end;
        }
    }

    String text() {
        return text.toString();
    }

    private void piece(String piece) {
        append(piece, true);
    }

    private void append(String piece, boolean spaced) {
        if (!first && text.length() - lineStart + piece.length() + 1 > width) {
            fold();
        } else if (spaced) {
            text.append(' ');
        }
        first = false;
        text.append(piece);
    }

    private void fold() {
        text.append("\r\n");
        lineStart = text.length();
        text.append('\t');
    }
}
