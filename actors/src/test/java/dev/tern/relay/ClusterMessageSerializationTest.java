package dev.tern.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

/**
 * Every message that crosses between cluster nodes goes as Jackson CBOR, the binding of application.conf, and comes
 * back equal: never Java serialization (which Pekko refuses), never a message only one JVM could read.
 */
class ClusterMessageSerializationTest {

    private static ActorTestKit testKit;

    @BeforeAll
    static void startClusterMember() {
        // a cluster member's actor system with the service's own application.conf, as TernService starts it
        testKit = ActorTestKit.create("tern", ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                """).withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @Test
    void everyClusterMessageRoundTripsAsJacksonCbor() throws Exception {
        TestProbe<Relays.Removed> admin = testKit.createTestProbe(Relays.Removed.class);
        List<ClusterMessage> messages = List.of(
                new DomainRelay.Queued(List.of("M1-1", "M2-3")),
                new DomainRelay.Queued(List.of()),
                DomainRelay.Wake.INSTANCE,
                new DomainRelay.Flush(Instant.parse("2026-11-30T12:00:00.123456789Z")),
                new DomainRelay.Remove("M1-1", admin.ref()),
                DomainRelay.Stop.INSTANCE,
                new Relays.Removed("M1-1", true),
                new Relays.Removed("NOSUCH-1", false));
        Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
        SerializationTestKit roundTrip = new SerializationTestKit(testKit.system());

        for (ClusterMessage message : messages) {
            Serializer serializer = serialization.findSerializerFor(message);
            assertThat(serializer).as("serializer of %s", message).isInstanceOf(JacksonCborSerializer.class);
            assertThat(serialization.serializerFor(message.getClass()).identifier())
                    .isEqualTo(serializer.identifier());
            assertThat(roundTrip.verifySerialization(message, true)).isEqualTo(message);

            byte[] bytes = serialization.serialize(message).get();
            Object back = serialization.deserialize(bytes, serializer.identifier(),
                    Serializers.manifestFor(serializer, message)).get();
            assertThat(back).as("read back from %d octets", bytes.length).isEqualTo(message);
        }
    }

    @Test
    void aRemovalsReplyToStillReachesTheAdministratorAfterTheTrip() {
        TestProbe<Relays.Removed> admin = testKit.createTestProbe(Relays.Removed.class);
        DomainRelay.Remove back = new SerializationTestKit(testKit.system())
                .verifySerialization(new DomainRelay.Remove("M1-1", admin.ref()), true);

        back.replyTo().tell(new Relays.Removed("M1-1", true));

        admin.expectMessage(new Relays.Removed("M1-1", true));
    }
}
