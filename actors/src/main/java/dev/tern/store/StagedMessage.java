package dev.tern.store;

import java.nio.file.Path;

/**
 * A received message written to the incoming spool, trace fields included, waiting to
 * be stored in mailboxes. The file is never changed once it reaches the router, so every
 * mailbox can share it (hard links) instead of copying it; before that only DKIM signing
 * changes it, in place ({@link StagedInsertion}).
 *
 * @param file        the staged octets, CRLF line endings, exactly as mailboxes store them
 * @param size        the file's length in octets
 * @param relayOffset octets at the start that only final delivery keeps: the Return-Path:
 *                    line (RFC 5321 §4.4 — a relay must not send it on)
 */
public record StagedMessage(Path file, long size, long relayOffset) {

    public StagedMessage {
        if (relayOffset < 0 || relayOffset > size) {
            throw new IllegalArgumentException("relay offset " + relayOffset + " outside a message of " + size);
        }
    }

    /** A message without a Return-Path: line to skip. */
    public StagedMessage(Path file, long size) {
        this(file, size, 0);
    }
}
