package dev.tern.it;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.tern.testing.TestCa;

/**
 * What the tests of {@code --outbound-tls verify} share: one Tern per test class under that policy, relaying into a
 * fake internet whose MX hosts present certificates from a test CA that Tern trusts ({@code --tls-trust}), with short
 * retries so that a deferral shows in the log within {@link #DEFERRAL}.
 */
abstract class VerifyingTernTestCase {

    static final Duration DEFERRAL = Duration.ofSeconds(20);

    static FakeInternet net;
    static TernProcess tern;
    static TestCa ca;

    @BeforeAll
    static void startVerifyingTern() throws Exception {
        net = FakeInternet.start();
        ca = TestCa.create();
        tern = TernProcess.launch(net.ternOptionsTrusting(ca, "500ms", "2s", "1m", "--outbound-tls", "verify"));
    }

    @AfterAll
    static void stopVerifyingTern() {
        FakeInternet.close(tern, net);
    }
}
