package dev.tern.aliases;

import java.util.List;

/**
 * One line of the aliases file.
 *
 * @param name    the alias, lower-cased (names are case-insensitive, as user names)
 * @param targets where its mail goes, in the file's order
 * @param line    where it was written, for messages
 */
public record AliasEntry(String name, List<AliasTarget> targets, int line) {
    public AliasEntry {
        targets = List.copyOf(targets);
    }
}
