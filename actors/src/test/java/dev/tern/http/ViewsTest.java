package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;

/** The pages as text: what a user typed, and what came from the queue, is escaped; every form carries the token. */
class ViewsTest {

    static final String ATTACK = "\"><script>alert('x')</script>&";
    static final String TOKEN = "csrf-token-of-this-session";

    final Views views = new Views(new HttpSettings(Set.of("root"), Set.of("example.test", "b.example"), "mx.example.test"),
            ZoneId.of("UTC"));
    final Html.Viewer admin = new Html.Viewer("root", true, TOKEN);

    @Test
    void theDnsRecordsShowEachDomainsDkimKeyOrHowToMakeOne() {
        String record = "s1._domainkey.example.test. IN TXT \"v=DKIM1; k=ed25519; p=abc<>\"";
        Views signing = new Views(new HttpSettings(Set.of("root"), Set.of("example.test", "b.example"), "mx.example.test",
                java.util.Map.of("example.test", record, "sender.example", "s2._domainkey.sender.example. IN TXT \"v=DKIM1\"")),
                ZoneId.of("UTC"));
        String page = signing.dnsRecords();
        assertThat(page).contains("<pre class=\"dkim\">s1._domainkey.example.test. IN TXT &quot;v=DKIM1; k=ed25519; "
                + "p=abc&lt;&gt;&quot;</pre>");
        assertThat(page).contains("DKIM: no signing key is configured for b.example")
                .doesNotContain("no signing key is configured for example.test");
        assertThat(page).contains("<h3>sender.example</h3><p class=\"hint\">DKIM only:")
                .contains("s2._domainkey.sender.example. IN TXT &quot;v=DKIM1&quot;");
    }

    @Test
    void escapingCoversMarkupAndBothQuotes() {
        assertThat(Html.escape(ATTACK)).isEqualTo("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;");
        assertThat(Html.escape("plain text, é")).isEqualTo("plain text, é");
        assertThat(Html.escape(null)).isEmpty();
    }

    @Test
    void theSignInPageEscapesTheNameTypedAndTheProblem() {
        String page = views.login(TOKEN, "problem " + ATTACK, ATTACK);

        assertThat(page).doesNotContain("<script>").contains("value=\"&quot;&gt;&lt;script&gt;")
                .contains("problem &quot;&gt;&lt;script&gt;");
        assertThat(page).contains("name=\"csrf\" value=\"" + TOKEN + "\"");
    }

    @Test
    void theNewMailboxPageEscapesWhatWasTypedAndShowsEachDomainsMxRecord() {
        String page = views.newMailbox(admin, "bad " + ATTACK, ATTACK, "b.example");

        assertThat(page).doesNotContain("<script>");
        assertThat(page).contains("example.test.  IN  MX  10  mx.example.test.")
                .contains("b.example.  IN  MX  10  mx.example.test.")
                .contains("<option selected>b.example</option>").contains("DKIM");
    }

    @Test
    void theQueuePageEscapesWhatRemoteServersSaid() {
        QueueEntry entry = QueueEntry.create("MSGID-1", "remote.test", "MSGID",
                new ReversePath.Sender(new MailAddress("alice", "example.test")), Instant.parse("2026-03-01T12:00:00Z"),
                0, 42, List.of(new MailAddress("bob", "remote.test")));
        entry = entry.deferred(new MailAddress("bob", "remote.test"), "4.0.0", "smtp; 451 " + ATTACK, "mx.remote.test",
                Instant.parse("2026-03-01T12:01:00Z"), Instant.parse("2026-03-01T12:06:00Z"));

        String page = views.queue(admin, List.of(entry), "notice " + ATTACK);

        assertThat(page).doesNotContain("<script>").contains("smtp; 451 &quot;&gt;&lt;script&gt;")
                .contains("notice &quot;&gt;&lt;script&gt;").contains("&lt;alice@example.test&gt;")
                .contains("bob@remote.test").contains("next <span class=\"nowrap\">2026-03-01 12:06:00</span>");
    }

    @Test
    void everyFormOfEveryPageCarriesTheSessionsToken() {
        List<String> pages = List.of(
                views.mailbox(admin, OptionalLong.of(3), null),
                views.password(admin, null),
                views.deleteOwn(admin, null),
                views.deleteOther(admin, "alice", null),
                views.mailboxes(admin, List.of(new Views.MailboxRow("alice", OptionalLong.of(2))), null),
                views.newMailbox(admin, null, "", "example.test"));
        for (String page : pages) {
            int forms = count(page, "<form ");
            assertThat(forms).as(page).isPositive();
            assertThat(count(page, "name=\"csrf\" value=\"" + TOKEN + "\"")).as(page).isEqualTo(forms);
        }
    }

    @Test
    void theDeleteWarningSaysMailWillNoLongerBeReachableAndNamesTheAddresses() {
        String page = views.deleteOther(admin, "alice", null);

        assertThat(page).contains("Mail will no longer be reachable.").contains("alice@b.example")
                .contains("alice@example.test").contains("550 5.1.1").contains("name=\"confirm\"");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }
}
