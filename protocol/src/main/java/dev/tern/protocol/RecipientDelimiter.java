package dev.tern.protocol;

import java.util.Optional;

/**
 * What separates a user name from its sub-address ({@code alice+tag}): any one of the
 * characters given, as Postfix's {@code recipient_delimiter} (a set since Postfix 2.11); none
 * when empty. The first delimiter in the local part splits it.
 */
public record RecipientDelimiter(String characters) {

    public static final RecipientDelimiter NONE = new RecipientDelimiter("");

    public RecipientDelimiter {
        characters = characters == null ? "" : characters;
    }

    /** The part before the first delimiter, if there is a non-empty one ({@code alice} of {@code alice+tag}). */
    public Optional<String> base(String localPart) {
        for (int i = 1; i < localPart.length(); i++) {
            if (characters.indexOf(localPart.charAt(i)) >= 0) {
                return Optional.of(localPart.substring(0, i));
            }
        }
        return Optional.empty();
    }
}
