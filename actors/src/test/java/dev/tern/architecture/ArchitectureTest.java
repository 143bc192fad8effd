package dev.tern.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.Arrays;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The layout ARCHITECTURE.md describes, held by the build: a change that breaks it fails
 * here with the offending dependency named. Main code only; test scaffolding is free.
 */
@AnalyzeClasses(packages = "dev.tern", importOptions = ArchitectureTest.MainCodeOnly.class)
class ArchitectureTest {

    /** Leaves out test classes, this module's and the test jars of the modules below. */
    static final class MainCodeOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar");
        }
    }

    /** The packages of the actors module, top floor first: mail flows downwards. */
    private static final String[] ACTOR_PACKAGES = {"dev.tern.service..", "dev.tern.http..", "dev.tern.session..",
            "dev.tern.users..", "dev.tern.tls..", "dev.tern.dkim..", "dev.tern.mailauth..", "dev.tern.router..",
            "dev.tern.aliases..", "dev.tern.relay..", "dev.tern.transport..", "dev.tern.dns..", "dev.tern.queue..",
            "dev.tern.queuedb..", "dev.tern.store..", "dev.tern.files..", "dev.tern.metrics.."};

    @ArchTest
    static final ArchRule protocolIsPureSmtp = noClasses().that().resideInAPackage("dev.tern.protocol..")
            .should().dependOnClassesThat().resideInAnyPackage(concat(ACTOR_PACKAGES,
                    "org.apache.pekko..", "scala..", "dev.tern.streams..", "dev.tern.supervision.."))
            .because("protocol/ is SMTP as values: no Pekko, no I/O adapters, nothing above it");

    @ArchTest
    static final ArchRule streamsSeeOnlyTheProtocol = noClasses().that().resideInAPackage("dev.tern.streams..")
            .should().dependOnClassesThat().resideInAnyPackage(concat(ACTOR_PACKAGES, "dev.tern.supervision.."))
            .because("modules point one way: protocol <- streams <- actors");

    @ArchTest
    static final ArchRule supervisionSeesNoActorsOrStreams = noClasses().that()
            .resideInAPackage("dev.tern.supervision..")
            .should().dependOnClassesThat().resideInAnyPackage(concat(ACTOR_PACKAGES, "dev.tern.streams.."))
            .because("supervision <- actors: failure classification knows nothing of who fails");

    @ArchTest
    static final ArchRule metricsStandAlone = noClasses().that().resideInAPackage("dev.tern.metrics..")
            .should().dependOnClassesThat(resideInAPackage("dev.tern..")
                    .and(resideOutsideOfPackage("dev.tern.metrics..")))
            .because("every floor counts into metrics, so metrics/ knows none of them: it is handed plain values");

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.tern.(**)").should().beFreeOfCycles();

    /**
     * The floors of the actors module, as mail flows: service, then listener and session
     * (with the users and TLS credentials they consult, and beside them the HTTP listener of
     * the web page, JSON API and operations routes), router, relay, queue, store, and the file
     * helpers everything may use; metrics at the bottom, counted into from the floors where
     * events happen.
     */
    @ArchTest
    static final ArchRule actorPackagesAreFloors = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("service").definedBy("dev.tern.service..")
            .layer("http").definedBy("dev.tern.http..")
            .layer("session").definedBy("dev.tern.session..")
            .layer("users").definedBy("dev.tern.users..")
            .layer("tls").definedBy("dev.tern.tls..")
            .layer("dkim").definedBy("dev.tern.dkim..")
            .layer("mailauth").definedBy("dev.tern.mailauth..")
            .layer("router").definedBy("dev.tern.router..")
            .layer("aliases").definedBy("dev.tern.aliases..")
            .layer("relay").definedBy("dev.tern.relay..")
            .layer("transport").definedBy("dev.tern.transport..")
            .layer("dns").definedBy("dev.tern.dns..")
            .layer("queue").definedBy("dev.tern.queue..")
            .layer("queuedb").definedBy("dev.tern.queuedb..")
            .layer("store").definedBy("dev.tern.store..")
            .layer("files").definedBy("dev.tern.files..")
            .layer("metrics").definedBy("dev.tern.metrics..")
            .whereLayer("service").mayNotBeAccessedByAnyLayer()
            .whereLayer("http").mayOnlyBeAccessedByLayers("service")
            .whereLayer("session").mayOnlyBeAccessedByLayers("service")
            .whereLayer("users").mayOnlyBeAccessedByLayers("service", "session", "http")
            .whereLayer("tls").mayOnlyBeAccessedByLayers("service", "session", "dkim")
            // between the session and the router: signs mail from local senders on its way (DKIM)
            .whereLayer("dkim").mayOnlyBeAccessedByLayers("service", "session")
            // beside users and tls: what the session asks about a message from outside before storing it
            .whereLayer("mailauth").mayOnlyBeAccessedByLayers("service", "session")
            .whereLayer("router").mayOnlyBeAccessedByLayers("service", "session", "dkim")
            .whereLayer("aliases").mayOnlyBeAccessedByLayers("service", "router")
            .whereLayer("relay").mayOnlyBeAccessedByLayers("service", "router")
            // below the relays: what TLS each MX host requires (published policies, --outbound-tls)
            .whereLayer("transport").mayOnlyBeAccessedByLayers("service", "relay")
            // asynchronous DNS questions, for MX lookups and policy records alike
            .whereLayer("dns").mayOnlyBeAccessedByLayers("service", "relay", "transport")
            .whereLayer("queue").mayOnlyBeAccessedByLayers("service", "http", "session", "router", "relay",
                    "queuedb")
            // beside queue: the same queue in PostgreSQL for cluster mode, reached through queue/QueueStore
            .whereLayer("queuedb").mayOnlyBeAccessedByLayers("service")
            .whereLayer("store").mayOnlyBeAccessedByLayers("service", "http", "session", "users", "dkim", "mailauth",
                    "router", "relay", "queue", "queuedb")
            .whereLayer("files").mayOnlyBeAccessedByLayers("service", "http", "session", "users", "tls", "dkim",
                    "mailauth", "router",
                    "relay", "queue", "queuedb", "store")
            .whereLayer("metrics").mayOnlyBeAccessedByLayers("service", "http", "session", "router", "relay");

    @ArchTest
    static final ArchRule oneActorStyle = noClasses().should().callMethodWhere(DescribedPredicate.describe(
                    "Behaviors.receive*", call -> call.getTargetOwner().isEquivalentTo(Behaviors.class)
                            && call.getName().startsWith("receive")))
            .because("every actor is an AbstractBehavior with a receive builder (ARCHITECTURE.md, Actors)");

    @ArchTest
    static final ArchRule actorMessagesAreRecordsOrEnums = classes().that(implementAMessageInterface())
            .should(beRecordsOrEnums())
            .because("messages between actors are immutable values");

    // ---------------------------------------------------------------- helpers

    private static String[] concat(String[] packages, String... more) {
        String[] all = Arrays.copyOf(packages, packages.length + more.length);
        System.arraycopy(more, 0, all, packages.length, more.length);
        return all;
    }

    /**
     * Implements an interface an actor declares for others ({@code Command}, a reply type;
     * not its private state types), or one of a message protocol class: a class whose
     * nested records carry an {@link ActorRef}.
     */
    private static DescribedPredicate<JavaClass> implementAMessageInterface() {
        return DescribedPredicate.describe("implement an actor message interface", type -> !type.isInterface()
                && type.getAllRawInterfaces().stream().anyMatch(ArchitectureTest::isMessageInterface));
    }

    private static boolean isMessageInterface(JavaClass type) {
        Optional<JavaClass> enclosing = type.getEnclosingClass();
        if (enclosing.isEmpty() || !type.getPackageName().startsWith("dev.tern")
                || type.getModifiers().contains(JavaModifier.PRIVATE)) {
            return false;
        }
        JavaClass outer = enclosing.get();
        return outer.isAssignableTo(AbstractBehavior.class) || Arrays.stream(outer.reflect().getDeclaredClasses())
                .filter(Class::isRecord)
                .anyMatch(record -> Arrays.stream(record.getRecordComponents())
                        .anyMatch(component -> component.getType() == ActorRef.class));
    }

    private static ArchCondition<JavaClass> beRecordsOrEnums() {
        return new ArchCondition<>("be records or enums") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                boolean value = type.isRecord() || type.isEnum()
                        || type.getEnclosingClass().map(JavaClass::isEnum).orElse(false); // an enum constant's body
                events.add(new SimpleConditionEvent(type, value, type.getName()
                        + (value ? " is a record or enum" : " is a mutable-capable class")));
            }
        };
    }
}
