package dev.tern.aliases;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.RecipientDelimiter;

class LocalRecipientsTest {

    private static final Set<String> USERS = Set.of("alice", "bob", "carol", "dave+list", "admin");

    private final AtomicReference<AliasTable> aliases = new AtomicReference<>(AliasTable.empty());

    private LocalRecipients locals(String delimiter, List<String> admins, String... aliasLines) {
        aliases.set(AliasTableTest.table(aliasLines));
        return new LocalRecipients(aliases::get, USERS::contains, new RecipientDelimiter(delimiter), admins);
    }

    private LocalRecipients locals(String... aliasLines) {
        return locals("+", List.of(), aliasLines);
    }

    private static MailAddress address(String text) {
        return MailAddress.parse(text).orElseThrow();
    }

    @Test
    void usersAndAliasesResolveByNameInAnyCase() {
        LocalRecipients locals = locals("team: alice, bob");

        assertThat(locals.resolve("alice")).contains("alice");
        assertThat(locals.resolve("TEAM")).contains("team");
        assertThat(locals.resolve("nobody")).isEmpty();
    }

    @Test
    void aSubAddressResolvesToItsUserOrAliasAndAUserOfThatVeryNameWins() {
        LocalRecipients locals = locals("team: alice, bob");

        assertThat(locals.resolve("alice+tag")).contains("alice");
        assertThat(locals.resolve("team+x")).contains("team");
        assertThat(locals.resolve("dave+list")).contains("dave+list");
        assertThat(locals.resolve("nobody+tag")).isEmpty();
        assertThat(locals.resolve("+tag")).as("no user before the delimiter").isEmpty();
    }

    @Test
    void theDelimiterMayBeSeveralCharactersOrNone() {
        assertThat(locals("+-", List.of()).resolve("alice-news")).contains("alice");
        assertThat(locals("+-", List.of()).resolve("alice+news")).contains("alice");
        assertThat(locals("", List.of()).resolve("alice+news")).isEmpty();
    }

    @Test
    void anAliasExpandsToEachMailboxAndRemoteAddressOnce() {
        LocalRecipients locals = locals(
                "all: team, alice, ops@elsewhere.test",
                "team: alice, bob@example.org, Ops@ELSEWHERE.test, carol+team");

        Expansion expansion = locals.expand("all");

        assertThat(expansion.mailboxes()).containsExactly("alice", "bob", "carol");
        assertThat(expansion.remotes()).containsExactly(address("Ops@elsewhere.test"), address("ops@elsewhere.test"));
    }

    @Test
    void aNameThatIsNoAliasIsItsOwnMailbox() {
        assertThat(locals("team: alice").expand("bob")).isEqualTo(Expansion.mailbox("bob"));
    }

    @Test
    void anAliasWinsOverTheUserOfItsNameUnlessItNamesItself() {
        assertThat(locals("alice: bob").expand("alice").mailboxes()).containsExactly("bob");
        assertThat(locals("alice: alice, alice@elsewhere.test").expand("alice"))
                .isEqualTo(new Expansion(List.of("alice"), List.of(address("alice@elsewhere.test"))));
    }

    @Test
    void unknownTargetsAreSkippedAndAnAliasLeadingNowhereIsRefused() {
        LocalRecipients locals = locals("half: alice, ghost", "void: ghost, phantom");

        assertThat(locals.expand("half").mailboxes()).containsExactly("alice");
        assertThat(locals.resolve("half")).contains("half");
        assertThat(locals.resolve("void")).isEmpty();
    }

    @Test
    void loopingEntriesAreNotAliasesSoTheirNamesMeanTheirUsersIfAny() {
        LocalRecipients locals = locals("alice: loop", "loop: alice", "x: loop");

        assertThat(locals.resolve("alice")).contains("alice");
        assertThat(locals.expand("alice")).isEqualTo(Expansion.mailbox("alice"));
        assertThat(locals.resolve("loop")).isEmpty();
        assertThat(locals.resolve("x")).as("its only target is no alias nor user now").isEmpty();
    }

    @Test
    void aLoopThroughASubAddressIsCutWhileExpanding() {
        LocalRecipients locals = locals("a: b+x, alice", "b: a+y, bob");

        Expansion expansion = locals.expand("a");

        assertThat(expansion.mailboxes()).containsExactly("bob", "alice");
    }

    @Test
    void expansionStopsAtItsLimitOfDestinations() {
        List<String> lines = new ArrayList<>();
        StringBuilder many = new StringBuilder("many: ");
        for (int i = 0; i < LocalRecipients.MAX_DESTINATIONS + 50; i++) {
            many.append(i == 0 ? "" : ", ").append("u").append(i).append("@elsewhere.test");
        }
        lines.add(many.toString());
        LocalRecipients locals = locals(lines.toArray(String[]::new));

        assertThat(locals.expand("many").remotes()).hasSize(LocalRecipients.MAX_DESTINATIONS);
    }

    @Test
    void postmasterIsTheAliasElseTheUserElseTheFirstAdminWhoIsAUser() {
        assertThat(locals("+", List.of("admin"), "postmaster: bob").resolve("postmaster")).contains("postmaster");
        assertThat(locals("+", List.of("ghost", "admin", "alice")).resolve("PostMaster")).contains("admin");
        assertThat(locals("+", List.of("ghost")).resolve("postmaster")).isEmpty();
        assertThat(locals("+", List.of("ghost")).hasPostmaster()).isFalse();
        assertThat(locals("+", List.of("alice")).hasPostmaster()).isTrue();
        assertThat(locals("+", List.of("alice")).resolve("postmaster+x")).contains("alice");
    }

    @Test
    void aChangedTableIsSeenOnTheNextLookup() {
        LocalRecipients locals = locals("team: alice");
        assertThat(locals.resolve("crew")).isEmpty();

        aliases.set(AliasTableTest.table("crew: bob"));

        assertThat(locals.resolve("crew")).isEqualTo(Optional.of("crew"));
        assertThat(locals.expand("crew").mailboxes()).containsExactly("bob");
    }

    @Test
    void aProblemMetWhileExpandingIsLoggedOncePerTableNotPerRcpt() {
        Logger log = (Logger) LoggerFactory.getLogger(LocalRecipients.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            LocalRecipients locals = locals("half: alice, ghost");
            for (int i = 0; i < 5; i++) {
                assertThat(locals.resolve("half")).contains("half");
            }
            assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("alias half: target ghost is no user nor alias; skipped");

            aliases.set(AliasTableTest.table("half: alice, ghost"));
            locals.resolve("half");
            assertThat(seen.list).as("a new version of the table is reported again").hasSize(2);
        } finally {
            log.detachAppender(seen);
        }
    }
}
