package dev.tern.it;

import static dev.tern.it.HttpApi.json;
import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.Relaying.message;
import static dev.tern.it.Relaying.send;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * The JSON API of CLI.md over real HTTP against a running Tern: every route with its success
 * and error answers, HTTP Basic authentication through the same checks as SMTP AUTH, users
 * that take mail (or are refused it) the moment the API answers, and the queue listed,
 * flushed and pruned. The queue's relays use a fake internet whose first retry is an hour
 * away, so only a flush makes them try again.
 */
class HttpApiTest {

    static final String ROOT_PASSWORD = "root's own secret";
    static final String ALICE_PASSWORD = "alice in wonderland";

    static FakeInternet net;
    static TernProcess tern;
    static HttpApi api;

    @BeforeAll
    static void start() {
        net = FakeInternet.start();
        tern = TernProcess.launch(net.ternOptions("1h", "2h", "1d").http().extra("--admin", "root"));
        tern.addUser("root", ROOT_PASSWORD);
        tern.addUser("alice", ALICE_PASSWORD);
        api = new HttpApi(tern.httpBase());
    }

    @AfterAll
    static void stop() {
        try {
            if (tern != null) {
                tern.close();
            }
        } finally {
            if (net != null) {
                net.close();
            }
        }
    }

    // ---------------------------------------------------------------- who may call

    @Test
    void withoutCredentialsEveryApiRequestGets401WithABasicChallenge() {
        List<HttpApi.Answer> answers = List.of(
                api.get("/api/users", null, null),
                api.post("/api/users", null, null, json("name", "mallory", "password", "x")),
                api.delete("/api/users/alice", null, null),
                api.put("/api/users/alice/password", null, null, json("password", "x")),
                api.get("/api/queue", null, null),
                api.post("/api/queue/flush", null, null, ""),
                api.delete("/api/queue/X-1", null, null),
                api.get("/api/no-such-thing", null, null));
        for (HttpApi.Answer answer : answers) {
            assertThat(answer.expect(401).error()).as(answer.toString()).isNotBlank();
            assertThat(answer.response().headers().firstValue("WWW-Authenticate")).as(answer.toString())
                    .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Basic realm="));
        }
        assertThat(tern.usersFile()).content().doesNotContain("mallory");
    }

    @Test
    void aWrongPasswordOrAnUnknownUserGets401AfterTheLoginDelayAndTheRightPasswordWorks() {
        long started = System.nanoTime();
        HttpApi.Answer wrong = api.get("/api/users", "root", "not the password").expect(401);
        long wrongTook = Duration.ofNanos(System.nanoTime() - started).toMillis();
        assertThat(wrong.error()).isEqualTo("wrong user name or password");
        assertThat(wrongTook).as("a failed login waits as SMTP AUTH does (0.5 s, doubling)").isGreaterThanOrEqualTo(400);
        assertThat(api.get("/api/users", "nobody", "whatever").expect(401).error())
                .isEqualTo("wrong user name or password");
        api.get("/api/users", "root", ROOT_PASSWORD).expect(200);
        assertThat(tern.log()).as("credentials never logged").doesNotContain("not the password")
                .doesNotContain(ROOT_PASSWORD);
    }

    @Test
    void aUserWhoIsNoAdminGets403ForEveryAdministrativeRequest() {
        List<HttpApi.Answer> answers = List.of(
                api.get("/api/users", "alice", ALICE_PASSWORD),
                api.post("/api/users", "alice", ALICE_PASSWORD, json("name", "mallory", "password", "x")),
                api.delete("/api/users/root", "alice", ALICE_PASSWORD),
                api.put("/api/users/root/password", "alice", ALICE_PASSWORD, json("password", "taken over")),
                api.get("/api/queue", "alice", ALICE_PASSWORD),
                api.post("/api/queue/flush", "alice", ALICE_PASSWORD, ""),
                api.delete("/api/queue/X-1", "alice", ALICE_PASSWORD));
        for (HttpApi.Answer answer : answers) {
            assertThat(answer.expect(403).error()).as(answer.toString()).isNotBlank();
        }
        assertThat(tern.usersFile()).content().doesNotContain("mallory").contains("root:");
        api.get("/api/users", "root", ROOT_PASSWORD).expect(200); // root's password is unchanged
    }

    // ---------------------------------------------------------------- users

    @Test
    void anAdminListsTheUsersByNameAndNoHashLeavesTheServer() {
        HttpApi.Answer answer = api.get("/api/users", "root", ROOT_PASSWORD).expect(200);

        JsonNode users = answer.json();
        assertThat(users.isArray()).as(answer.toString()).isTrue();
        List<String> names = new ArrayList<>();
        users.forEach(user -> {
            assertThat(user.size()).as("only a name in " + user).isEqualTo(1);
            names.add(user.get("name").asText());
        });
        assertThat(names).contains("root", "alice");
        assertThat(answer.body()).doesNotContain("ARGON2").doesNotContain("$argon2");
    }

    @Test
    void aUserCreatedThroughTheApiHasAMailboxAndTakesMailAtOnce() throws Exception {
        HttpApi.Answer created = api.post("/api/users", "root", ROOT_PASSWORD, json("name", "dave", "password", "dave's pw"))
                .expect(201);
        assertThat(created.json().get("name").asText()).isEqualTo("dave");
        assertThat(tern.mailRoot().resolve("dave").resolve("new")).isDirectory();
        assertThat(Files.readString(tern.usersFile())).containsPattern("(?m)^dave:\\{ARGON2ID\\}\\$argon2id\\$");

        // no pause: the service knows dave as soon as the API answered
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("someone@client.test", List.of(address("dave")), message("hello dave", "created by the API"));
            smtp.quit();
        }
        List<Path> files = Maildirs.awaitNewFiles(tern.mailRoot(), "dave", 1, Duration.ofSeconds(5));
        assertThat(Maildirs.readLatin1(files.get(0))).contains("Subject: hello dave\r\n").contains("created by the API");

        assertThat(api.post("/api/users", "root", ROOT_PASSWORD, json("name", "dave", "password", "again"))
                .expect(409).error()).contains("exists");
        api.get("/api/users", "dave", "dave's pw").expect(403); // dave can sign in, and is no admin
    }

    @Test
    void badInputGets400AndChangesNothing() {
        String before = read(tern.usersFile());
        assertThat(api.post("/api/users", "root", ROOT_PASSWORD, json("name", "Not A Name", "password", "x"))
                .expect(400).error()).contains("user name");
        assertThat(api.post("/api/users", "root", ROOT_PASSWORD, json("name", "../etc", "password", "x"))
                .expect(400).error()).contains("user name");
        assertThat(api.post("/api/users", "root", ROOT_PASSWORD, json("name", "nopassword")).expect(400).error())
                .contains("password");
        assertThat(api.post("/api/users", "root", ROOT_PASSWORD, json("name", "emptypassword", "password", ""))
                .expect(400).error()).contains("password");
        api.post("/api/users", "root", ROOT_PASSWORD, "{\"name\": \"broken\", ").expect(400);
        api.post("/api/users", "root", ROOT_PASSWORD, "[\"an\", \"array\"]").expect(400);
        api.put("/api/users/alice/password", "root", ROOT_PASSWORD, "{}").expect(400);
        assertThat(read(tern.usersFile())).isEqualTo(before);
        assertThat(tern.mailRoot().resolve("nopassword")).doesNotExist();
    }

    @Test
    void aDeletedUserGets550AtOnceAndASecondDeleteGets404() {
        api.post("/api/users", "root", ROOT_PASSWORD, json("name", "erin", "password", "erin's pw")).expect(201);

        HttpApi.Answer deleted = api.delete("/api/users/erin", "root", ROOT_PASSWORD).expect(204);

        assertThat(deleted.body()).isEmpty();
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<someone@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address("erin") + ">");
            smtp.expect("550 5.1.1");
            smtp.quit();
        }
        assertThat(api.delete("/api/users/erin", "root", ROOT_PASSWORD).expect(404).error()).contains("no such user");
        assertThat(tern.mailRoot().resolve("erin")).as("the mailbox is kept, as by ./tern user del").isDirectory();
    }

    @Test
    void aUserMayDeleteThemselvesButNotOthers() {
        api.post("/api/users", "root", ROOT_PASSWORD, json("name", "frank", "password", "frank's pw")).expect(201);

        api.delete("/api/users/alice", "frank", "frank's pw").expect(403);
        api.delete("/api/users/frank", "frank", "frank's pw").expect(204);

        assertThat(api.get("/api/users", "frank", "frank's pw").expect(401).error()).contains("wrong");
        api.get("/api/users", "root", ROOT_PASSWORD).expect(200); // clears the failure count for the next tests
        assertThat(read(tern.usersFile())).doesNotContain("frank:").contains("alice:");
    }

    @Test
    void aNewPasswordTakesEffectForSmtpAuthAtOnce() {
        api.post("/api/users", "root", ROOT_PASSWORD, json("name", "gina", "password", "first")).expect(201);

        api.put("/api/users/gina/password", "gina", "first", json("password", "second")).expect(204);
        assertThat(smtpAuth("gina", "second")).isEqualTo(235);

        api.put("/api/users/gina/password", "root", ROOT_PASSWORD, json("password", "third")).expect(204);
        assertThat(smtpAuth("gina", "third")).isEqualTo(235);
        assertThat(smtpAuth("gina", "second")).as("the old password").isEqualTo(535);
        assertThat(smtpAuth("gina", "third")).isEqualTo(235);

        assertThat(api.put("/api/users/nobody/password", "root", ROOT_PASSWORD, json("password", "x"))
                .expect(404).error()).contains("no such user");
        api.put("/api/users/gina/password", "gina", "third", json("password", "")).expect(400);
        assertThat(read(tern.usersFile())).doesNotContain("third").doesNotContain("second");
    }

    @Test
    void unknownPathsWrongMethodsAndOversizedBodiesAreAnsweredInJson() {
        assertThat(api.get("/api/no-such-thing", "root", ROOT_PASSWORD).expect(404).error()).isNotBlank();
        assertThat(api.send("PATCH", "/api/users", "root", ROOT_PASSWORD, "{}", "application/json").expect(405).error())
                .isNotBlank();
        assertThat(api.send("POST", "/api/users", "root", ROOT_PASSWORD, "name=x&password=y",
                "application/x-www-form-urlencoded").expect(415).error()).isNotBlank();
        String huge = json("name", "huge", "password", "x".repeat(100 * 1024));
        assertThat(api.post("/api/users", "root", ROOT_PASSWORD, huge).expect(413).error()).isNotBlank();
        assertThat(tern.mailRoot().resolve("huge")).doesNotExist();
    }

    // ---------------------------------------------------------------- queue

    @Test
    void theQueueIsListedFlushedAndPruned() throws Exception {
        String flushHost = net.nextAddress(); // nothing listens yet: connection refused
        net.mx("flush.api.test", 10, "mx.flush.api.test", flushHost);
        String removeHost = net.nextAddress();
        net.mx("remove.api.test", 10, "mx.remove.api.test", removeHost);
        String flushId = deferred("alice@example.test", "bob@flush.api.test");
        String removeId = deferred("alice@example.test", "carl@remove.api.test");

        JsonNode queue = api.get("/api/queue", "root", ROOT_PASSWORD).expect(200).json();
        JsonNode flushEntry = entry(queue, flushId);
        assertThat(flushEntry.get("sender").asText()).isEqualTo("alice@example.test");
        JsonNode bob = flushEntry.get("recipients").get(0);
        assertThat(bob.get("address").asText()).isEqualTo("bob@flush.api.test");
        assertThat(bob.get("status").asText()).isEqualTo("deferred");
        assertThat(bob.get("attempts").asInt()).isEqualTo(1);
        assertThat(bob.get("last_error").asText()).contains(flushHost).containsIgnoringCase("refused");

        ScriptedSmtpServer server = net.run(net.smtp(flushHost)); // back, but the retry is an hour away
        HttpApi.Answer flushed = api.post("/api/queue/flush", "root", ROOT_PASSWORD, "").expect(202);
        assertThat(flushed.json().get("domains").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(awaitOnlyTransaction(server, tern).recipients()).containsExactly("bob@flush.api.test");
        Relaying.awaitNotQueued(tern, "flush.api.test");

        String removeEntryId = entry(api.get("/api/queue", "root", ROOT_PASSWORD).expect(200).json(), removeId)
                .get("id").asText();
        api.delete("/api/queue/" + removeEntryId, "root", ROOT_PASSWORD).expect(204);
        assertThat(api.get("/api/queue", "root", ROOT_PASSWORD).expect(200).body()).doesNotContain(removeEntryId);
        assertThat(Relaying.queueList(tern)).doesNotContain(removeEntryId);
        assertThat(api.delete("/api/queue/" + removeEntryId, "root", ROOT_PASSWORD).expect(404).error())
                .contains(removeEntryId);
        assertThat(api.delete("/api/queue/not..an..id", "root", ROOT_PASSWORD).expect(404).error()).isNotBlank();
    }

    /** Sends one message through the relaying listener and waits until its first attempt deferred it. */
    private static String deferred(String from, String to) {
        String id = send(tern, from, List.of(to), message("queued " + to, "waits in the queue"));
        Relaying.awaitLogLine(tern, Duration.ofSeconds(10), "id=" + id, "to=<" + to + ">", "status=deferred");
        return id;
    }

    /** The entry of the listing whose id starts with the message id. */
    private static JsonNode entry(JsonNode queue, String messageId) {
        assertThat(queue.isArray()).as(queue.toString()).isTrue();
        for (JsonNode entry : queue) {
            if (entry.get("id").asText().startsWith(messageId + "-")) {
                return entry;
            }
        }
        throw new AssertionError("no entry of " + messageId + " in " + queue);
    }

    /** AUTH PLAIN inside STARTTLS on the inbound listener; returns the reply code. */
    private static int smtpAuth(String user, String password) {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.startTls();
            smtp.ehlo("client.test");
            smtp.send("AUTH PLAIN " + TlsClient.plain(user, password));
            int code = smtp.read().code();
            smtp.quit();
            return code;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
