package dev.tern.protocol.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** RFC 6376 §3.2 tag lists. */
class TagListTest {

    @Test
    void tagsWithFoldingWhitespaceAndATrailingSemicolon() {
        TagList tags = TagList.parse(" v = 1 ;\r\n\ta=rsa-sha256;  b=abc\r\n def ; ");
        assertThat(tags.asMap()).containsExactly(Map.entry("v", "1"), Map.entry("a", "rsa-sha256"),
                Map.entry("b", "abc\r\n def"));
        assertThat(TagList.withoutWhitespace(tags.required("b"))).isEqualTo("abcdef");
        assertThat(tags.get("x")).isEmpty();
    }

    @Test
    void emptyValuesAreValues() {
        assertThat(TagList.parse("p=; n=").asMap()).containsExactly(Map.entry("p", ""), Map.entry("n", ""));
    }

    @Test
    void malformedListsAreRefused() {
        assertThatThrownBy(() -> TagList.parse("v=1; v=1")).hasMessage("duplicate tag v");
        assertThatThrownBy(() -> TagList.parse("v=1; novalue")).hasMessage("tag without '=': novalue");
        assertThatThrownBy(() -> TagList.parse("1v=1")).hasMessage("bad tag name: 1v");
        assertThatThrownBy(() -> TagList.parse("v=1;;a=b")).hasMessage("empty tag in tag list");
        assertThatThrownBy(() -> TagList.parse("n=caf\u00e9")).hasMessage("bad octet in tag n");
        assertThatThrownBy(() -> TagList.parse("v=1").required("p")).hasMessage("missing tag p=");
    }
}
