package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.ClientDialogue.Stage;
import dev.tern.protocol.ClientDialogue.StartTls;
import dev.tern.protocol.ClientDialogue.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8689 §4.2.1 on the client: REQUIRETLS goes on MAIL only inside TLS, to a server that offers it there. */
class ClientDialogueRequireTlsTest {

    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final MailAddress CAROL = new MailAddress("carol", "dest.test");

    private static SmtpReply reply(String... lines) {
        return ReplyParser.parse(List.of(lines));
    }

    private static SmtpReply ehlo(String... extensions) {
        List<String> lines = new ArrayList<>(List.of("250" + (extensions.length == 0 ? " " : "-") + "mx.dest.test"));
        for (int i = 0; i < extensions.length; i++) {
            lines.add("250" + (i == extensions.length - 1 ? " " : "-") + extensions[i]);
        }
        return ReplyParser.parse(lines);
    }

    /** Greeted, STARTTLS done, and the EHLO inside TLS answered with {@code extensions}. */
    private static ClientDialogue insideTls(String... extensions) {
        ClientDialogue dialogue = new ClientDialogue("mx.dest.test", "client.test", StartTls.REQUIRED);
        dialogue.connected();
        dialogue.onReply(reply("220 mx.dest.test"));
        dialogue.onReply(ehlo("STARTTLS", "REQUIRETLS")); // what the server says in clear does not count
        dialogue.onReply(reply("220 2.0.0 go ahead"));
        dialogue.onTlsStarted();
        assertThat(dialogue.onReply(ehlo(extensions))).isEqualTo(new Step.Ready());
        return dialogue;
    }

    private static ClientDialogue inClear(String... extensions) {
        ClientDialogue dialogue = new ClientDialogue("mx.dest.test", "client.test", StartTls.WHEN_OFFERED);
        dialogue.connected();
        dialogue.onReply(reply("220 mx.dest.test"));
        assertThat(dialogue.onReply(ehlo(extensions))).isEqualTo(new Step.Ready());
        return dialogue;
    }

    private static Step send(ClientDialogue dialogue, TlsRequirement tls) {
        return dialogue.send(ALICE, List.of(BOB, CAROL), 10, MessageEncoding.PLAIN, null, DsnRequest.NONE, Map.of(),
                tls);
    }

    private static Step.Report everyRecipient(String rendered) {
        SmtpReply reply = ReplyParser.parse(List.of(rendered));
        Map<MailAddress, SmtpReply> replies = new LinkedHashMap<>();
        replies.put(BOB, reply);
        replies.put(CAROL, reply);
        return new Step.Report(replies);
    }

    @Test
    void insideTlsToAServerThatOffersItMailCarriesRequireTls() {
        assertThat(send(insideTls("PIPELINING", "REQUIRETLS"), TlsRequirement.REQUIRETLS)).isEqualTo(new Step.Write(
                List.of("MAIL FROM:<alice@origin.test> REQUIRETLS", "RCPT TO:<bob@dest.test>",
                        "RCPT TO:<carol@dest.test>", "DATA"), Stage.MAIL));
    }

    @Test
    void itComesAfterTheOtherParameters() {
        ClientDialogue dialogue = insideTls("SIZE 1000", "DSN", "REQUIRETLS");
        Step step = dialogue.send(ALICE, List.of(BOB), 10, MessageEncoding.PLAIN, null,
                new DsnRequest(DsnRequest.Ret.HDRS, null), Map.of(), TlsRequirement.REQUIRETLS);
        assertThat(step).isEqualTo(new Step.Write(List.of("MAIL FROM:<alice@origin.test> SIZE=10 RET=HDRS REQUIRETLS"),
                Stage.MAIL));
    }

    @Test
    void aServerWithoutItInsideTlsGets5730AndNothingIsSent() {
        ClientDialogue dialogue = insideTls("PIPELINING");
        assertThat(send(dialogue, TlsRequirement.REQUIRETLS)).isEqualTo(
                everyRecipient("550 5.7.30 REQUIRETLS: not sent, mx.dest.test does not offer REQUIRETLS"));
        // the session is still ready: the next message of the session goes as ever
        assertThat(send(dialogue, TlsRequirement.DEFAULT)).isEqualTo(new Step.Write(List.of(
                "MAIL FROM:<alice@origin.test>", "RCPT TO:<bob@dest.test>", "RCPT TO:<carol@dest.test>", "DATA"),
                Stage.MAIL));
    }

    @Test
    void inClearItIs5710EvenWhenTheServerClaimsRequireTls() {
        assertThat(send(inClear("PIPELINING", "REQUIRETLS"), TlsRequirement.REQUIRETLS)).isEqualTo(
                everyRecipient("550 5.7.10 REQUIRETLS: not sent, no TLS session with mx.dest.test"));
    }

    @Test
    void otherMessagesNeverCarryIt() {
        assertThat(send(insideTls("REQUIRETLS"), TlsRequirement.DEFAULT))
                .isEqualTo(new Step.Write(List.of("MAIL FROM:<alice@origin.test>"), Stage.MAIL));
    }
}
