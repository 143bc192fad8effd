package dev.tern.store;

import java.nio.file.Path;

/**
 * A received message written to the incoming spool, trace fields included, waiting to
 * be stored in mailboxes. The file is never changed after it is staged, so every
 * mailbox can share it (hard links) instead of copying it.
 *
 * @param file the staged octets, CRLF line endings, exactly as mailboxes store them
 * @param size the file's length in octets
 */
public record StagedMessage(Path file, long size) {
}
