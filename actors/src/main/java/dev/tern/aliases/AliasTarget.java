package dev.tern.aliases;

import dev.tern.protocol.MailAddress;

/** Where an alias sends its mail: a local name (user or alias, in every local domain) or a remote address. */
public sealed interface AliasTarget {

    /** A local part, lower-cased: a user, another alias, or a sub-address of either. */
    record Local(String name) implements AliasTarget {
    }

    /** An address in a domain that is not local: relayed. */
    record Remote(MailAddress address) implements AliasTarget {
    }
}
