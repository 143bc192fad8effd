package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;

/** The JSON API's answers as values: error bodies, Pekko's own rejections made JSON, the queue's shape. */
class JsonApiTest {

    @Test
    void anErrorBodyIsOneJsonStringFieldWhateverTheMessage() throws Exception {
        String message = "quote \" backslash \\ newline \n tab \t and <html> é";

        JsonNode body = JsonApi.JSON.readTree(JsonApi.errorBody(message));

        assertThat(body.size()).isEqualTo(1);
        assertThat(body.get("error").asText()).isEqualTo(message);
    }

    @Test
    void anErrorIsJsonWithItsStatus() {
        HttpResponse response = JsonApi.error(StatusCodes.CONFLICT, "exists");

        assertThat(response.status()).isEqualTo(StatusCodes.CONFLICT);
        assertThat(response.entity().getContentType()).isEqualTo(ContentTypes.APPLICATION_JSON);
        assertThat(((HttpEntity.Strict) response.entity()).getData().utf8String()).isEqualTo("{\"error\":\"exists\"}");
    }

    @Test
    void pekkosPlainTextRejectionsBecomeJsonErrorsWithTheSameStatus() {
        HttpResponse plain = HttpResponse.create().withStatus(StatusCodes.METHOD_NOT_ALLOWED)
                .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "HTTP method not allowed, supported methods: GET");

        HttpResponse json = JsonApi.asJson(plain);

        assertThat(json.status()).isEqualTo(StatusCodes.METHOD_NOT_ALLOWED);
        assertThat(json.entity().getContentType()).isEqualTo(ContentTypes.APPLICATION_JSON);
        assertThat(((HttpEntity.Strict) json.entity()).getData().utf8String())
                .isEqualTo("{\"error\":\"HTTP method not allowed, supported methods: GET\"}");
        HttpResponse already = JsonApi.error(StatusCodes.NOT_FOUND, "no such user");
        assertThat(JsonApi.asJson(already)).isSameAs(already);
    }

    @Test
    void aQueueEntryHasTheFieldsOfTheContract() throws Exception {
        MailAddress bob = new MailAddress("bob", "remote.test");
        QueueEntry entry = QueueEntry.create("ABC-1", "remote.test", "ABC", new ReversePath.Sender(
                        new MailAddress("alice", "example.test")), Instant.parse("2026-03-01T12:00:00Z"), 0, 10,
                List.of(bob, new MailAddress("carol", "remote.test")))
                .deferred(bob, "4.4.1", "X-Tern; connection refused", null, Instant.parse("2026-03-01T12:01:00Z"),
                        Instant.parse("2026-03-01T12:06:00Z"));

        JsonNode json = JsonApi.JSON.readTree(JsonApi.JSON.writeValueAsString(JsonApi.queueEntry(entry)));

        assertThat(json.get("id").asText()).isEqualTo("ABC-1");
        assertThat(json.get("sender").asText()).isEqualTo("alice@example.test");
        JsonNode first = json.get("recipients").get(0);
        assertThat(first.get("address").asText()).isEqualTo("bob@remote.test");
        assertThat(first.get("status").asText()).isEqualTo("deferred");
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("last_error").asText()).isEqualTo("X-Tern; connection refused");
        assertThat(first.get("next_attempt").asText()).isEqualTo("2026-03-01T12:06:00Z");
        JsonNode second = json.get("recipients").get(1);
        assertThat(second.get("status").asText()).isEqualTo("pending");
        assertThat(second.get("last_error").isNull()).isTrue();
        QueueEntry bounce = QueueEntry.create("DEF-1", "remote.test", "DEF", ReversePath.NULL,
                Instant.parse("2026-03-01T12:00:00Z"), 0, 10, List.of(bob));
        assertThat(JsonApi.queueEntry(bounce).sender()).as("the null sender of a bounce").isEmpty();
    }
}
