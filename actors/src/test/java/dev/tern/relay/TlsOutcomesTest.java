package dev.tern.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tern.streams.client.ConnectionSecurity;
import dev.tern.streams.client.OpportunisticTls;
import dev.tern.streams.client.SmtpClientSession;
import dev.tern.streams.client.TlsFailure;
import dev.tern.streams.client.TlsPolicy;
import dev.tern.testing.ScriptedSmtpServer;
import dev.tern.transport.HostSecurity;
import dev.tern.transport.PolicyRef;
import dev.tern.transport.TlsResults;

/**
 * The TLS-RPT result type of sessions that ended in clear (RFC 8460 §4.3): a server that offers no
 * STARTTLS is {@code starttls-not-supported}; one whose STARTTLS handshake broke, after which the
 * opportunistic session went on in clear, is {@code validation-failure} with the handshake's reason.
 */
class TlsOutcomesTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final HostSecurity HOST = new HostSecurity("localhost",
            ConnectionSecurity.of(TlsPolicy.OPPORTUNISTIC), PolicyRef.none("dest.test"));

    private ScriptedSmtpServer server;
    private SmtpClientSession session;
    private final Recorder results = new Recorder();

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void close() {
        if (session != null) {
            session.abort();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void clearAfterABrokenHandshakeIsAValidationFailure() throws Exception {
        server = ScriptedSmtpServer.builder().breakTlsHandshake().start();
        session = open();

        TlsOutcomes.report(results, HOST, server.address(), session, null);

        assertThat(results.failures).hasSize(1);
        Failure failure = results.failures.get(0);
        assertThat(failure.type()).isEqualTo(TlsFailure.VALIDATION_FAILURE);
        assertThat(failure.reason()).startsWith(session.fellBackToClear().orElseThrow()).endsWith("mail went in clear");
        assertThat(failure.receivingIp()).isEqualTo(server.address().getAddress());
    }

    @Test
    void clearWithoutStartTlsOfferedIsStartTlsNotSupported() throws Exception {
        server = ScriptedSmtpServer.builder().start();
        session = open();

        TlsOutcomes.report(results, HOST, server.address(), session, null);

        assertThat(results.failures).extracting(Failure::type).containsExactly(TlsFailure.STARTTLS_NOT_SUPPORTED);
    }

    private SmtpClientSession open() throws Exception {
        return SmtpClientSession.open(testKit.system(), server.address(), "localhost", "client.test",
                HOST.security(), OpportunisticTls.context(), RelayFixture.timeouts(Duration.ofSeconds(5)))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private record Failure(TlsFailure type, String reason, InetAddress receivingIp) {
    }

    private static final class Recorder implements TlsResults {
        final List<Failure> failures = new ArrayList<>();

        @Override
        public void success(PolicyRef policy, String mxHost) {
            throw new AssertionError("no session here succeeded");
        }

        @Override
        public void failure(PolicyRef policy, String mxHost, InetAddress receivingIp, TlsFailure failure,
                            String reason) {
            failures.add(new Failure(failure, reason, receivingIp));
        }
    }
}
