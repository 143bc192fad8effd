package dev.tern.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.http.javadsl.model.headers.BasicHttpCredentials;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;

/**
 * The JSON API of ../shared/CLI.md, under {@code /api}: HTTP Basic authentication on every
 * request (the {@link Administration}'s login, so with SMTP AUTH's delays), JSON in and
 * out, and every answer {@code application/json}, errors included ({@code {"error": "..."}}).
 * Rejections Pekko makes itself (no such path 404, wrong method 405, a body that is not
 * JSON 400, too large 413) are turned into the same JSON errors before they leave.
 */
final class JsonApi extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(JsonApi.class);
    static final ObjectMapper JSON = new ObjectMapper();
    /** A request body is one small JSON object. */
    static final long MAX_BODY = 16 * 1024;

    /** {@code POST /api/users}. */
    record NewUser(String name, String password) {
        @Override
        public String toString() {
            return "NewUser[" + name + ", password redacted]";
        }
    }

    /** {@code PUT /api/users/N/password}. */
    record NewPassword(String password) {
        @Override
        public String toString() {
            return "NewPassword[password redacted]";
        }
    }

    record UserJson(String name) {
    }

    record QueueEntryJson(String id, String sender, List<QueueRecipientJson> recipients) {
    }

    record QueueRecipientJson(String address, String status, int attempts,
                              @JsonProperty("last_error") String lastError,
                              @JsonProperty("next_attempt") String nextAttempt) {
    }

    private final Administration admin;

    JsonApi(Administration admin) {
        this.admin = admin;
    }

    Route route() {
        return pathPrefix("api", () -> handleExceptions(EXCEPTIONS, () -> handleRejections(REJECTIONS, () ->
                withSizeLimit(MAX_BODY, () -> authenticated(this::routesFor)))));
    }

    private Route routesFor(String user) {
        return concat(
                path("users", () -> concat(
                        get(() -> adminOnly(user, this::listUsers)),
                        post(() -> adminOnly(user, () -> entity(Jackson.unmarshaller(JSON, NewUser.class),
                                this::createUser))))),
                path(segment("users").slash(segment()), name ->
                        delete(() -> adminOrSelf(user, name, () -> deleteUser(name)))),
                path(segment("users").slash(segment()).slash("password"), name ->
                        put(() -> adminOrSelf(user, name, () -> entity(Jackson.unmarshaller(JSON, NewPassword.class),
                                body -> setPassword(name, body))))),
                path("queue", () -> get(() -> adminOnly(user, this::listQueue))),
                path(segment("queue").slash("flush"), () -> post(() -> adminOnly(user, this::flushQueue))),
                path(segment("queue").slash(segment()), id ->
                        delete(() -> adminOnly(user, () -> removeFromQueue(id)))));
    }

    // ---------------------------------------------------------------- who may call

    /** HTTP Basic, checked by the Authenticator: 401 without credentials or with wrong ones. */
    private Route authenticated(Function<String, Route> inner) {
        return extractRequest(request -> {
            Optional<BasicHttpCredentials> basic = basicCredentials(request);
            if (basic.isEmpty()) {
                return complete(unauthorized("HTTP Basic authentication required: a user name and password"));
            }
            String user = Requests.userName(basic.get().username());
            return onSuccess(admin.authenticate(user, basic.get().password(), Requests.clientAddress(request)),
                    outcome -> switch (outcome) {
                        case VALID -> inner.apply(user);
                        case INVALID -> complete(unauthorized("wrong user name or password"));
                        case TEMPORARILY_UNAVAILABLE -> complete(busy());
                    });
        });
    }

    private static Optional<BasicHttpCredentials> basicCredentials(HttpRequest request) {
        return request.getHeader(Authorization.class)
                .map(Authorization::credentials)
                .filter(BasicHttpCredentials.class::isInstance)
                .map(BasicHttpCredentials.class::cast);
    }

    private Route adminOnly(String user, Supplier<Route> inner) {
        return admin.isAdmin(user) ? inner.get() : complete(error(StatusCodes.FORBIDDEN, "administrators only"));
    }

    private Route adminOrSelf(String user, String name, Supplier<Route> inner) {
        return admin.isAdmin(user) || user.equals(name) ? inner.get()
                : complete(error(StatusCodes.FORBIDDEN, "only an administrator or " + name + " may do that"));
    }

    // ---------------------------------------------------------------- users

    private Route listUsers() {
        return onSuccess(admin.users(), names -> completeOK(names.stream().map(UserJson::new).toList(),
                Jackson.marshaller(JSON)));
    }

    private Route createUser(NewUser body) {
        if (body == null || body.name() == null || body.password() == null) {
            return complete(error(StatusCodes.BAD_REQUEST, "expected {\"name\": N, \"password\": P}"));
        }
        return onSuccess(admin.createUser(body.name(), body.password()), change -> change == Administration.Change.DONE
                ? complete(StatusCodes.CREATED, new UserJson(body.name()), Jackson.marshaller(JSON))
                : complete(failed(change)));
    }

    private Route deleteUser(String name) {
        return onSuccess(admin.deleteUser(name), change -> change == Administration.Change.DONE
                ? complete(StatusCodes.NO_CONTENT) : complete(failed(change)));
    }

    private Route setPassword(String name, NewPassword body) {
        if (body == null || body.password() == null) {
            return complete(error(StatusCodes.BAD_REQUEST, "expected {\"password\": P}"));
        }
        return onSuccess(admin.setPassword(name, body.password()), change -> change == Administration.Change.DONE
                ? complete(StatusCodes.NO_CONTENT) : complete(failed(change)));
    }

    // ---------------------------------------------------------------- queue

    private Route listQueue() {
        return onSuccess(admin.queue(), entries -> completeOK(entries.stream().map(JsonApi::queueEntry).toList(),
                Jackson.marshaller(JSON)));
    }

    static QueueEntryJson queueEntry(QueueEntry entry) {
        String sender = entry.sender().bracketed();
        return new QueueEntryJson(entry.id(), sender.substring(1, sender.length() - 1),
                entry.recipients().stream().map(JsonApi::recipient).toList());
    }

    private static QueueRecipientJson recipient(RecipientState r) {
        Instant next = r.isFinal() ? null : r.nextAttempt();
        return new QueueRecipientJson(r.address().toString(), r.status().name().toLowerCase(Locale.ROOT),
                r.attempts(), r.diagnostic(), next == null ? null : next.toString());
    }

    private Route flushQueue() {
        return onSuccess(admin.flushQueue(), domains -> complete(StatusCodes.ACCEPTED, Map.of("domains", domains),
                Jackson.marshaller(JSON)));
    }

    private Route removeFromQueue(String id) {
        return onSuccess(admin.removeFromQueue(id), removed -> removed ? complete(StatusCodes.NO_CONTENT)
                : complete(error(StatusCodes.NOT_FOUND, "no queue entry " + id)));
    }

    // ---------------------------------------------------------------- answers

    private static HttpResponse failed(Administration.Change change) {
        return error(StatusCodes.get(change.status), change.message);
    }

    static HttpResponse error(StatusCode status, String message) {
        return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, errorBody(message));
    }

    /** {@code {"error": "..."}}, the message JSON-escaped. */
    static String errorBody(String message) {
        try {
            return JSON.writeValueAsString(Map.of("error", message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a map of one string always serializes
        }
    }

    private static HttpResponse unauthorized(String message) {
        return error(StatusCodes.UNAUTHORIZED, message)
                .addHeader(RawHeader.create("WWW-Authenticate", "Basic realm=\"Tern\", charset=\"UTF-8\""));
    }

    private static HttpResponse busy() {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "password checking is busy; try again in a moment")
                .addHeader(RawHeader.create("Retry-After", "5"));
    }

    /**
     * Pekko's own rejection answers (plain text) as JSON errors with the same status. A body
     * that is not the JSON expected gets a fixed text: the parser's message could quote it.
     */
    static final RejectionHandler REJECTIONS = RejectionHandler.newBuilder()
            .handle(MalformedRequestContentRejection.class, rejection -> Directives.complete(tooLarge(rejection.getCause())
                    ? error(StatusCodes.CONTENT_TOO_LARGE, "the request body is over " + MAX_BODY + " octets")
                    : error(StatusCodes.BAD_REQUEST, "the request body is not the JSON object expected")))
            .build()
            .withFallback(RejectionHandler.defaultHandler())
            .mapRejectionResponse(JsonApi::asJson);

    /** A plain-text answer turned into {@code {"error": text}}; JSON answers are left alone. */
    static HttpResponse asJson(HttpResponse response) {
        if (response.entity() instanceof HttpEntity.Strict strict
                && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            return response.withEntity(ContentTypes.APPLICATION_JSON, errorBody(strict.getData().utf8String()));
        }
        return response;
    }

    private static final ExceptionHandler EXCEPTIONS = ExceptionHandler.newBuilder()
            .matchAny(failure -> {
                if (tooLarge(failure)) {
                    return Directives.complete(error(StatusCodes.CONTENT_TOO_LARGE,
                            "the request body is over " + MAX_BODY + " octets"));
                }
                LOG.error("HTTP API request failed", failure);
                return Directives.complete(error(StatusCodes.INTERNAL_SERVER_ERROR,
                        "internal error (see the service's log)"));
            })
            .build();

    /** A body over the size limit, however wrapped (a future's failure, an unmarshaller's). */
    static boolean tooLarge(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof EntityStreamSizeException) {
                return true;
            }
        }
        return false;
    }
}
