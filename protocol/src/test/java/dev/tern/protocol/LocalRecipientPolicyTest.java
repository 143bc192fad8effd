package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.LocalRecipientPolicy.Relay;
import dev.tern.protocol.RecipientPolicy.Accepted;
import dev.tern.protocol.RecipientPolicy.Rejected;
import dev.tern.protocol.RecipientPolicy.Verdict;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalRecipientPolicyTest {

    private static final Set<String> USERS = Set.of("alice", "john doe", "postmaster");

    private static LocalRecipientPolicy policy(Relay relay) {
        return new LocalRecipientPolicy(Set.of("tern.test", "Other.TEST"), USERS::contains, relay);
    }

    private static Recipient.Path mailbox(String address) {
        return new Recipient.MailboxPath(MailAddress.parse(address).orElseThrow());
    }

    private static Recipient accepted(Verdict verdict) {
        assertThat(verdict).isInstanceOf(Accepted.class);
        return ((Accepted) verdict).recipient();
    }

    private static SmtpReply rejected(Verdict verdict) {
        assertThat(verdict).isInstanceOf(Rejected.class);
        return ((Rejected) verdict).reply();
    }

    @Test
    void existingLocalUserIsAcceptedIntoHerMailbox() {
        Recipient recipient = accepted(policy(Relay.DENIED).check(mailbox("alice@tern.test")));
        assertThat(recipient.address()).isEqualTo(new MailAddress("alice", "tern.test"));
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("alice"));
    }

    @Test
    void userNameIsLowerCasedButTheAddressKeepsItsCase() {
        Recipient recipient = accepted(policy(Relay.DENIED).check(mailbox("ALICE@tern.test")));
        assertThat(recipient.address().localPart()).isEqualTo("ALICE");
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("alice"));
    }

    @Test
    void quotedLocalPartNamesTheUnquotedMailbox() {
        Recipient recipient = accepted(policy(Relay.DENIED).check(mailbox("\"John Doe\"@tern.test")));
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("john doe"));
    }

    @Test
    void domainMatchingIsCaseInsensitive() {
        assertThat(accepted(policy(Relay.DENIED).check(mailbox("alice@TERN.Test"))).route())
                .isEqualTo(new Recipient.LocalMailbox("alice"));
        assertThat(accepted(policy(Relay.DENIED).check(mailbox("alice@other.test"))).route())
                .isEqualTo(new Recipient.LocalMailbox("alice"));
    }

    @Test
    void unknownLocalUserIsRejected() {
        SmtpReply reply = rejected(policy(Relay.ALLOWED).check(mailbox("nobody@tern.test")));
        assertThat(reply.code()).isEqualTo(550);
        assertThat(reply.enhancedCode()).isEqualTo("5.1.1");
        assertThat(reply).isEqualTo(Replies.USER_UNKNOWN);
    }

    @Test
    void remoteDomainIsDeniedWithoutRelay() {
        SmtpReply reply = rejected(policy(Relay.DENIED).check(mailbox("alice@elsewhere.example")));
        assertThat(reply.code()).isEqualTo(550);
        assertThat(reply.enhancedCode()).isEqualTo("5.7.1");
        assertThat(reply).isEqualTo(Replies.RELAY_DENIED);
    }

    @Test
    void subdomainOfALocalDomainIsRemote() {
        assertThat(rejected(policy(Relay.DENIED).check(mailbox("alice@mail.tern.test"))))
                .isEqualTo(Replies.RELAY_DENIED);
    }

    @Test
    void remoteDomainWithRelayIsRoutedToThatDomain() {
        Recipient recipient = accepted(policy(Relay.ALLOWED).check(mailbox("Alice@Elsewhere.Example")));
        assertThat(recipient.route()).isEqualTo(new Recipient.RemoteDomain("elsewhere.example"));
        assertThat(recipient.address()).isEqualTo(new MailAddress("Alice", "elsewhere.example"));
    }

    @Test
    void authenticatedSessionMayRelayOnADeniedListener() {
        Recipient recipient = accepted(policy(Relay.DENIED).check(
                new Recipient.MailboxPath(new MailAddress("bob", "[127.0.0.1]")), true));
        assertThat(recipient.route()).isEqualTo(new Recipient.RemoteDomain("[127.0.0.1]"));
    }

    @Test
    void barePostmasterGoesToTheLocalPostmaster() {
        Recipient recipient = accepted(policy(Relay.DENIED).check(new Recipient.BarePostmaster()));
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("postmaster"));
        assertThat(recipient.address()).isEqualTo(new MailAddress("postmaster", "other.test"));
    }

    @Test
    void barePostmasterIsRejectedWhenThereIsNoPostmasterUser() {
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of("tern.test"), "alice"::equals, Relay.ALLOWED);
        assertThat(rejected(policy.check(new Recipient.BarePostmaster()))).isEqualTo(Replies.USER_UNKNOWN);
    }

    @Test
    void barePostmasterWithoutLocalDomainsUsesLocalhost() {
        LocalRecipientPolicy policy = new LocalRecipientPolicy(Set.of(), "postmaster"::equals, Relay.DENIED);
        assertThat(accepted(policy.check(new Recipient.BarePostmaster())).address())
                .isEqualTo(new MailAddress("postmaster", "localhost"));
    }

    @Test
    void postmasterAtALocalDomainIsTheLocalPostmaster() {
        Recipient recipient = accepted(policy(Relay.DENIED).check(mailbox("PostMaster@tern.test")));
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("postmaster"));
    }

    @Test
    void aResolvingPolicyRoutesALocalPartToTheNameItResolvesTo() {
        LocalRecipientPolicy resolving = LocalRecipientPolicy.resolving(Set.of("tern.test"),
                part -> part.startsWith("alice") ? java.util.Optional.of("alice") : java.util.Optional.empty(),
                Relay.DENIED);

        Recipient recipient = accepted(resolving.check(mailbox("Alice+Tag@tern.test")));
        assertThat(recipient.address()).isEqualTo(new MailAddress("Alice+Tag", "tern.test"));
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("alice"));
        assertThat(rejected(resolving.check(mailbox("bob@tern.test")))).isEqualTo(Replies.USER_UNKNOWN);
        assertThat(rejected(resolving.check(mailbox("alice@elsewhere.test")))).isEqualTo(Replies.RELAY_DENIED);
    }

    @Test
    void aResolvingPolicyAsksItForTheBarePostmasterToo() {
        LocalRecipientPolicy resolving = LocalRecipientPolicy.resolving(Set.of("tern.test"),
                part -> part.equals("postmaster") ? java.util.Optional.of("admin") : java.util.Optional.empty(),
                Relay.DENIED);

        Recipient recipient = accepted(resolving.check(new Recipient.BarePostmaster()));
        assertThat(recipient.route()).isEqualTo(new Recipient.LocalMailbox("admin"));
    }
}
