package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.SubmissionSenderPolicy.Ownership;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Who may send as whom on a submission listener: AUTH first, then (as configured) only one's own address. */
class SubmissionSenderPolicyTest {

    /** Users alice, bob and "carol+work" (a user whose name holds the delimiter). */
    private static final Set<String> USERS = Set.of("alice", "bob", "carol+work");

    private static SubmissionSenderPolicy policy(Ownership ownership) {
        return new SubmissionSenderPolicy(Set.of("tern.test", "Other.TEST"), USERS::contains, ownership, "+");
    }

    private static ReversePath sender(String address) {
        return new ReversePath.Sender(MailAddress.parse(address).orElseThrow());
    }

    private static Optional<SmtpReply> check(Ownership ownership, String address, String user) {
        return policy(ownership).refusal(sender(address), user);
    }

    @ParameterizedTest
    @EnumSource(Ownership.class)
    void withoutAuthNoSenderIsAcceptedWhateverTheOwnershipRule(Ownership ownership) {
        assertThat(policy(ownership).refusal(sender("alice@tern.test"), null)).contains(Replies.AUTH_REQUIRED);
        assertThat(policy(ownership).refusal(ReversePath.NULL, null)).contains(Replies.AUTH_REQUIRED);
        assertThat(Replies.AUTH_REQUIRED.render()).isEqualTo("530 5.7.0 Authentication required\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice@tern.test", "ALICE@TERN.test", "alice@other.test", "\"alice\"@tern.test",
            "alice+lists@tern.test", "alice+@tern.test"})
    void theUsersOwnAddressesInEveryLocalDomainAreAccepted(String address) {
        assertThat(check(Ownership.OWN, address, "alice")).isEmpty();
        assertThat(check(Ownership.OWN_LOCAL, address, "alice")).isEmpty();
    }

    @Test
    void theUserNameGivenToAuthMayDifferInCase() {
        assertThat(check(Ownership.OWN, "alice@tern.test", "Alice")).isEmpty();
        assertThat(check(Ownership.OWN, "bob@tern.test", "Alice"))
                .contains(SmtpReply.of(553, "5.7.1", "Sender address rejected: not owned by user alice"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob@tern.test", "bob+alice@tern.test", "postmaster@tern.test", "alicia@tern.test",
            "+alice@tern.test"})
    void anotherLocalAddressIsRefusedWithPostfixsWording(String address) {
        for (Ownership ownership : new Ownership[] {Ownership.OWN, Ownership.OWN_LOCAL}) {
            Optional<SmtpReply> refusal = check(ownership, address, "alice");
            assertThat(refusal).as("%s under %s", address, ownership).isPresent();
            assertThat(refusal.get().render()).isEqualTo("553 5.7.1 Sender address rejected: not owned by user alice\r\n");
        }
    }

    @Test
    void aSubAddressThatIsAnotherUsersNameBelongsToThatUser() {
        assertThat(check(Ownership.OWN, "carol+work@tern.test", "carol")).isPresent();
        assertThat(check(Ownership.OWN, "carol+work@tern.test", "carol+work")).isEmpty();
        assertThat(check(Ownership.OWN, "carol+home@tern.test", "carol")).isEmpty();
    }

    @Test
    void withoutADelimiterASubAddressIsSomeoneElse() {
        SubmissionSenderPolicy noDelimiter = new SubmissionSenderPolicy(Set.of("tern.test"), USERS::contains,
                Ownership.OWN, "");
        assertThat(noDelimiter.refusal(sender("alice@tern.test"), "alice")).isEmpty();
        assertThat(noDelimiter.refusal(sender("alice+lists@tern.test"), "alice")).isPresent();
    }

    @Test
    void anAddressInAnotherDomainIsRefusedUnderOwnAndAcceptedUnderOwnLocal() {
        assertThat(check(Ownership.OWN, "alice@elsewhere.example", "alice")).isPresent();
        assertThat(check(Ownership.OWN_LOCAL, "alice@elsewhere.example", "alice")).isEmpty();
        assertThat(check(Ownership.OWN_LOCAL, "bob@elsewhere.example", "alice")).isEmpty();
    }

    @Test
    void anyAcceptsEveryAddressOnceAuthenticated() {
        assertThat(check(Ownership.ANY, "bob@tern.test", "alice")).isEmpty();
        assertThat(check(Ownership.ANY, "anyone@elsewhere.example", "alice")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Ownership.class)
    void theNullSenderIsAlwaysAcceptedAfterAuth(Ownership ownership) {
        // RFC 6409 §3.2: a null return path MUST be accepted
        assertThat(policy(ownership).refusal(ReversePath.NULL, "alice")).isEmpty();
    }

    @Test
    void everyListenerButSubmissionTakesAnySender() {
        assertThat(SenderPolicy.ANYONE.refusal(sender("bob@tern.test"), null)).isEmpty();
        assertThat(SenderPolicy.ANYONE.refusal(sender("bob@tern.test"), "alice")).isEmpty();
    }
}
