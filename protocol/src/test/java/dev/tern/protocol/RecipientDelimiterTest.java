package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecipientDelimiterTest {

    @Test
    void theFirstDelimiterSplitsTheLocalPart() {
        RecipientDelimiter plus = new RecipientDelimiter("+");

        assertThat(plus.base("alice+tag")).contains("alice");
        assertThat(plus.base("alice+tag+more")).contains("alice");
        assertThat(plus.base("alice")).isEmpty();
        assertThat(plus.base("+tag")).as("nothing before it").isEmpty();
        assertThat(plus.base("alice+")).contains("alice");
    }

    @Test
    void severalCharactersAreEachADelimiter() {
        RecipientDelimiter set = new RecipientDelimiter("+-");

        assertThat(set.base("bob-news")).contains("bob");
        assertThat(set.base("bob+x-y")).contains("bob");
        assertThat(set.base("bob-x+y")).contains("bob");
    }

    @Test
    void emptyMeansNone() {
        assertThat(RecipientDelimiter.NONE.base("alice+tag")).isEmpty();
        assertThat(new RecipientDelimiter(null).base("alice+tag")).isEmpty();
    }
}
