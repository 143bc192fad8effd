package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Tern's JSON API as a client sees it: real HTTP requests (java.net.http) to a running Tern,
 * with or without HTTP Basic credentials, and the answers as status, content type and body.
 */
final class HttpApi {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Longer than the service's longest failed-login delay (16 s) plus a hash. */
    static final Duration TIMEOUT = Duration.ofSeconds(45);

    /** One answer. */
    record Answer(int status, String contentType, String body, HttpResponse<String> response) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The {@code error} of a JSON error body (asserting it is one). */
        String error() {
            assertThat(contentType).as("content type of " + this).startsWith("application/json");
            JsonNode error = json().get("error");
            assertThat(error).as("an \"error\" field in " + body).isNotNull();
            assertThat(error.isTextual()).as("\"error\" is a string in " + body).isTrue();
            return error.asText();
        }

        /** Asserts the status, and that the answer is JSON (204 has no body to type). */
        Answer expect(int expected) {
            assertThat(status).as("status of " + this).isEqualTo(expected);
            if (expected != 204) {
                assertThat(contentType).as("content type of " + this).startsWith("application/json");
            }
            return this;
        }

        @Override
        public String toString() {
            return response.request().method() + " " + response.request().uri() + " -> " + status + " " + contentType
                    + " " + body;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    HttpApi(String base) {
        this.base = base;
    }

    Answer get(String path, String user, String password) {
        return send("GET", path, user, password, null, null);
    }

    Answer delete(String path, String user, String password) {
        return send("DELETE", path, user, password, null, null);
    }

    Answer post(String path, String user, String password, String json) {
        return send("POST", path, user, password, json, "application/json");
    }

    Answer put(String path, String user, String password, String json) {
        return send("PUT", path, user, password, json, "application/json");
    }

    /** Any request; {@code user} null sends no credentials, {@code body} null no body. */
    Answer send(String method, String path, String user, String password, String body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A JSON text of name/value pairs, the values JSON-escaped. */
    static String json(String... namesAndValues) {
        var object = JSON.createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            object.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return object.toString();
    }
}
