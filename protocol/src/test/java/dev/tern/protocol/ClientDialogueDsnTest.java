package dev.tern.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.protocol.ClientDialogue.Stage;
import dev.tern.protocol.ClientDialogue.StartTls;
import dev.tern.protocol.ClientDialogue.Step;
import dev.tern.protocol.RecipientDsn.Notify;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 3461 §5.2: the DSN parameters are passed on to a next hop that offers DSN, and only to it. */
class ClientDialogueDsnTest {

    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "origin.test"));
    private static final MailAddress BOB = new MailAddress("bob", "dest.test");
    private static final MailAddress CAROL = new MailAddress("carol", "dest.test");
    private static final DsnRequest FULL = new DsnRequest(DsnRequest.Ret.FULL, "id+1=x");
    private static final Map<MailAddress, RecipientDsn> PER_RECIPIENT = Map.of(
            BOB, new RecipientDsn(Set.of(Notify.SUCCESS, Notify.FAILURE), new OriginalRecipient("rfc822", "b+1@o.test")),
            CAROL, new RecipientDsn(Set.of(), null));

    private static ClientDialogue opened(String... extensions) {
        ClientDialogue dialogue = new ClientDialogue("mx.dest.test", "client.test", StartTls.NEVER);
        dialogue.connected();
        dialogue.onReply(ReplyParser.parse(List.of("220 mx.dest.test")));
        List<String> ehlo = new ArrayList<>(List.of("250" + (extensions.length == 0 ? " " : "-") + "mx.dest.test"));
        for (int i = 0; i < extensions.length; i++) {
            ehlo.add("250" + (i == extensions.length - 1 ? " " : "-") + extensions[i]);
        }
        dialogue.onReply(ReplyParser.parse(ehlo));
        return dialogue;
    }

    @Test
    void aServerWithDsnGetsEveryParameterPipelined() {
        Step step = opened("PIPELINING", "DSN").send(ALICE, List.of(BOB, CAROL), 10, FULL, PER_RECIPIENT);
        assertThat(step).isEqualTo(new Step.Write(List.of(
                "MAIL FROM:<alice@origin.test> RET=FULL ENVID=id+2B1+3Dx",
                "RCPT TO:<bob@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2B1@o.test",
                "RCPT TO:<carol@dest.test> NOTIFY=NEVER",
                "DATA"), Stage.MAIL));
    }

    @Test
    void aServerWithDsnGetsThemOneByOne() {
        ClientDialogue dialogue = opened("DSN", "SIZE 1000");
        assertThat(dialogue.send(ALICE, List.of(BOB), 10, new DsnRequest(DsnRequest.Ret.HDRS, null), PER_RECIPIENT))
                .isEqualTo(new Step.Write(List.of("MAIL FROM:<alice@origin.test> SIZE=10 RET=HDRS"), Stage.MAIL));
        assertThat(dialogue.onReply(ReplyParser.parse(List.of("250 ok")))).isEqualTo(new Step.Write(List.of(
                "RCPT TO:<bob@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2B1@o.test"), Stage.RCPT));
    }

    @Test
    void aServerWithoutDsnGetsNone() {
        Step step = opened("PIPELINING").send(ALICE, List.of(BOB, CAROL), 10, FULL, PER_RECIPIENT);
        assertThat(step).isEqualTo(new Step.Write(List.of(
                "MAIL FROM:<alice@origin.test>", "RCPT TO:<bob@dest.test>", "RCPT TO:<carol@dest.test>", "DATA"),
                Stage.MAIL));
    }

    @Test
    void recipientsWithoutParametersGetNone() {
        Step step = opened("PIPELINING", "DSN").send(ALICE, List.of(BOB), 10, DsnRequest.NONE, Map.of());
        assertThat(step).isEqualTo(new Step.Write(List.of("MAIL FROM:<alice@origin.test>", "RCPT TO:<bob@dest.test>",
                "DATA"), Stage.MAIL));
    }
}
