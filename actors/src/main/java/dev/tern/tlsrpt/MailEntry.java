package dev.tern.tlsrpt;

import java.util.Optional;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;

import dev.tern.dkim.MessageSigner;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.router.Router;

/**
 * Where mailed reports enter the mail flow, as bounces do: the router, the DKIM signer in front of it when
 * there are keys (so reports from a signing domain are signed), and where mail to an address goes (a local
 * mailbox, a remote domain, or nowhere).
 */
public record MailEntry(ActorRef<Router.Command> router, Optional<ActorRef<MessageSigner.Command>> signer,
                        Function<MailAddress, Optional<Recipient.Route>> route) {
}
