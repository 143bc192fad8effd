package dev.tern.relay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueSpool;
import dev.tern.testing.ScriptedSmtpServer;

/**
 * The setup the relay actor tests share, so that each of them says only what it sends and checks: one actor test kit
 * per test class; per test a {@link QueueSpool} and an incoming directory in a fresh temporary directory, a probe in
 * the place of the bounce router, and the actors and loopback SMTP servers the test started, stopped after it.
 */
abstract class RelayTestCase {

    /** How long a test waits for what a relay is to do, unless it says otherwise. */
    private static final Duration WITHIN = Duration.ofSeconds(10);

    protected static ActorTestKit testKit;

    @TempDir
    protected Path dir;
    protected QueueSpool spool;
    protected Path incoming;
    protected TestProbe<BounceDelivery.Store> router;
    /** Stopped after each test; a test that stops one itself takes it out. */
    protected final List<ActorRef<?>> started = new ArrayList<>();
    private final List<ScriptedSmtpServer> servers = new ArrayList<>();

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUpSpool() throws IOException {
        spool = new QueueSpool(dir.resolve("queue"));
        Files.createDirectories(spool.dir());
        incoming = Files.createDirectories(dir.resolve("incoming"));
        router = testKit.createTestProbe(BounceDelivery.Store.class);
    }

    @AfterEach
    void stopActorsAndServers() {
        started.forEach(testKit::stop); // before the temporary directory goes away
        servers.forEach(ScriptedSmtpServer::close);
    }

    /** Spawns {@code behavior}, to be stopped after the test. */
    protected <T> ActorRef<T> spawn(Behavior<T> behavior) {
        ActorRef<T> actor = testKit.spawn(behavior);
        started.add(actor);
        return actor;
    }

    /** {@code server}, to be closed after the test. */
    protected ScriptedSmtpServer serve(ScriptedSmtpServer server) {
        servers.add(server);
        return server;
    }

    protected Path envelopeOf(QueueEntry entry) {
        return spool.dir().resolve(entry.domain()).resolve(entry.id() + ".env");
    }

    protected static void awaitTrue(RelayFixture.Check check, String what) throws Exception {
        RelayFixture.awaitTrue(check, WITHIN, what);
    }

    protected static void awaitTrue(RelayFixture.Check check, Duration within, String what) throws Exception {
        RelayFixture.awaitTrue(check, within, what);
    }
}
