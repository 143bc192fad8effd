package dev.tern.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.tern.streams.client.SmtpClientSession;
import dev.tern.supervision.Causes;

/**
 * Tries a destination's MX hosts in order, each host's addresses in order, until one
 * SMTP session opens (RFC 5321 §5.1: a host that fails moves on to the next).
 */
final class MxConnector {

    /** Opens one session to one address of a named host. */
    @FunctionalInterface
    interface Opener {
        CompletionStage<SmtpClientSession> open(InetSocketAddress address, String hostName);
    }

    /** An open session, and the host it reached. */
    record Connection(SmtpClientSession session, MxHost host, InetSocketAddress address) {
    }

    /** Every address of every host failed; the failures in the order they happened. */
    static final class AllHostsFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final List<Throwable> failures;

        AllHostsFailed(List<Throwable> failures) {
            super(failures.isEmpty() ? "no MX host to try" : failures.get(failures.size() - 1).getMessage(),
                    null, false, false);
            this.failures = List.copyOf(failures);
        }

        List<Throwable> failures() {
            return failures;
        }
    }

    private MxConnector() {
    }

    static CompletionStage<Connection> connect(List<MxHost> hosts, int port, Opener opener) {
        List<Target> targets = new ArrayList<>();
        for (MxHost host : hosts) {
            for (InetAddress address : host.addresses()) {
                targets.add(new Target(host, new InetSocketAddress(address, port)));
            }
        }
        return tryFrom(targets, 0, opener, new ArrayList<>());
    }

    private record Target(MxHost host, InetSocketAddress address) {
    }

    private static CompletionStage<Connection> tryFrom(List<Target> targets, int index, Opener opener,
                                                       List<Throwable> failures) {
        if (index >= targets.size()) {
            return CompletableFuture.failedFuture(new AllHostsFailed(failures));
        }
        Target target = targets.get(index);
        CompletionStage<SmtpClientSession> opening;
        try {
            opening = opener.open(target.address(), target.host().name());
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        return opening
                .thenApply(session -> CompletableFuture.completedFuture(new Connection(session, target.host(), target.address())))
                .exceptionally(failure -> {
                    failures.add(Causes.unwrap(failure));
                    return tryFrom(targets, index + 1, opener, failures).toCompletableFuture();
                })
                .thenCompose(next -> next);
    }
}
