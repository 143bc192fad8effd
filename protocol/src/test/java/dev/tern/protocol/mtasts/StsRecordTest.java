package dev.tern.protocol.mtasts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class StsRecordTest {

    @Test
    void theRfcExample() throws Exception {
        // RFC 8461 §3.1
        assertThat(StsRecord.discover(List.of("v=STSv1; id=20160831085700Z;")))
                .contains(new StsRecord("20160831085700Z"));
    }

    @Test
    void delimitersWithAndWithoutSpacesAndTheTrailingOneOptional() throws Exception {
        assertThat(StsRecord.parse("v=STSv1;id=abc").id()).isEqualTo("abc");
        assertThat(StsRecord.parse("v=STSv1 ;\tid=abc ; ").id()).isEqualTo("abc");
        assertThat(StsRecord.parse("v=STSv1; ext=value; id=X1").id()).isEqualTo("X1");
    }

    @Test
    void otherTxtRecordsAreDiscarded() throws Exception {
        assertThat(StsRecord.discover(List.of("v=spf1 -all", "google-site-verification=x",
                "v=STSv1; id=one"))).contains(new StsRecord("one"));
        assertThat(StsRecord.discover(List.of("v=spf1 -all"))).isEqualTo(Optional.empty());
        assertThat(StsRecord.discover(List.of())).isEmpty();
        assertThat(StsRecord.discover(List.of("v=STSv10; id=x"))).isEmpty();
    }

    @Test
    void severalStsRecordsMeanNoPolicy() {
        assertThatThrownBy(() -> StsRecord.discover(List.of("v=STSv1; id=one", "v=STSv1; id=two")))
                .isInstanceOf(StsSyntaxException.class).hasMessageContaining("2 v=STSv1 TXT records");
    }

    @Test
    void aBrokenRecordMeansNoPolicy() {
        for (String bad : List.of("v=STSv1", "v=STSv1;", "v=STSv1; id=", "v=STSv1; id=a-b",
                "v=STSv1; id=123456789012345678901234567890123", "v=STSv1; id=a; id=b", "v=STSv1 id=a",
                "v=STSv1; id=a;; x=y", "v=STSv1; _x=y; id=a", "v=STSv1; x=a=b; id=a", "v=STSv1; novalue; id=a")) {
            assertThatThrownBy(() -> StsRecord.discover(List.of(bad))).as(bad).isInstanceOf(StsSyntaxException.class);
        }
    }

    @Test
    void idIsUpToThirtyTwoLettersAndDigits() throws Exception {
        String id = "12345678901234567890123456789012";
        assertThat(StsRecord.parse("v=STSv1; id=" + id).id()).isEqualTo(id);
    }

    @Test
    void messagesQuoteOnlyPrintableText() {
        assertThatThrownBy(() -> StsRecord.parse("v=STSv1; id=\u0007bad"))
                .hasMessageContaining("\"?bad\"");
    }
}
