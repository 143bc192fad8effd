package dev.tern.dkim;

import org.apache.pekko.actor.typed.ActorRef;

import dev.tern.router.Router;

/**
 * Which of a listener's messages are signed on their way to the router: mail from local
 * senders, those on a listener that relays for anyone (the loopback {@code --outbound}) and
 * those who authenticated (RFC 4954) anywhere.
 *
 * @param signer        the signer, or null when no {@code --dkim-key} is given
 * @param everySender   the listener's senders are all local ({@code --outbound})
 */
public record LocalSenders(ActorRef<MessageSigner.Command> signer, boolean everySender) {

    /** Nothing is signed. */
    public static final LocalSenders NONE = new LocalSenders(null, false);

    /** Hands a finished message to the signer when its sender is local, else straight to the router. */
    public void deliver(Router.Deliver deliver, boolean authenticated, ActorRef<Router.Command> router) {
        if (signer != null && (everySender || authenticated)) {
            signer.tell(new MessageSigner.Sign(deliver));
        } else {
            router.tell(deliver);
        }
    }
}
