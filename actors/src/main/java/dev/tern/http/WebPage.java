package dev.tern.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.HttpCookiePair;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tern.protocol.AuthOutcome;

/**
 * The web page: server-rendered HTML ({@link Views}), no script. A user signs in with the
 * user-db name and password (checked like SMTP AUTH, with its per-address delays) and gets
 * a session cookie; a user sees their mailbox, changes the password or deletes the mailbox;
 * an administrator also lists, creates and deletes mailboxes and looks after the queue.
 * Every form posts a CSRF token: the session's once signed in, and for the sign-in form
 * itself one that must match a cookie set with the form (so a page elsewhere cannot sign a
 * browser in as someone else).
 */
final class WebPage extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(WebPage.class);
    static final String CSRF_FIELD = "csrf";
    static final String SESSION_COOKIE = "tern_session";
    static final String LOGIN_COOKIE = "tern_login";
    /** A form is a few short fields. */
    static final long MAX_FORM = 16 * 1024;

    /** No script, no framing, nothing fetched from elsewhere; forms post only here. */
    private static final List<HttpHeader> PAGE_HEADERS = List.of(
            RawHeader.create("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                    + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
            RawHeader.create("X-Frame-Options", "DENY"),
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("Referrer-Policy", "no-referrer"),
            RawHeader.create("Cache-Control", "no-store"));

    private final Administration admin;
    private final WebSessions sessions;
    private final Views views;

    WebPage(Administration admin, WebSessions sessions, Views views) {
        this.admin = admin;
        this.sessions = sessions;
        this.views = views;
    }

    Route route() {
        return handleExceptions(exceptions(), () -> respondWithHeaders(PAGE_HEADERS, () -> withSizeLimit(MAX_FORM, () ->
                concat(
                        pathSingleSlash(() -> get(() -> optionalSession(session -> redirect(
                                session.isPresent() ? "/mailbox" : "/login")))),
                        path("login", () -> concat(get(this::loginForm), post(this::signIn))),
                        path("logout", () -> post(() -> form((session, fields) -> signOut(session)))),
                        path("mailbox", () -> get(() -> signedIn(this::mailbox))),
                        path("password", () -> concat(
                                get(() -> signedIn(session -> html(views.password(viewer(session), null)))),
                                post(() -> form(this::changePassword)))),
                        path("delete", () -> concat(
                                get(() -> signedIn(session -> html(views.deleteOwn(viewer(session), null)))),
                                post(() -> form(this::deleteOwn)))),
                        pathPrefix("admin", this::adminPages),
                        html(StatusCodes.NOT_FOUND, views.problemPage(null, "Not found",
                                "There is no such page here.")))
        )));
    }

    private Route adminPages() {
        return concat(
                path("mailboxes", () -> concat(
                        get(() -> signedInAdmin(this::mailboxes)),
                        post(() -> adminForm(this::createMailbox)))),
                path(segment("mailboxes").slash("new"), () -> get(() -> signedInAdmin(session ->
                        html(views.newMailbox(viewer(session), null, "", views.domains().get(0)))))),
                path(segment("mailboxes").slash(segment()).slash("delete"), name -> concat(
                        get(() -> signedInAdmin(session -> html(views.deleteOther(viewer(session), name, null)))),
                        post(() -> adminForm((session, fields) -> deleteMailbox(session, name, fields))))),
                path("queue", () -> get(() -> signedInAdmin(this::queue))),
                path(segment("queue").slash("flush"), () -> post(() -> adminForm((session, fields) -> flush(session)))),
                path(segment("queue").slash(segment()).slash("remove"), id ->
                        post(() -> adminForm((session, fields) -> removeFromQueue(session, id)))));
    }

    // ---------------------------------------------------------------- signing in and out

    /** The form, with a fresh token in a cookie that only this site's pages send back (SameSite=Strict). */
    private Route loginForm() {
        return optionalSession(session -> {
            if (session.isPresent()) {
                return redirect("/mailbox");
            }
            String token = sessions.newToken();
            return setCookie(cookie(LOGIN_COOKIE, token), () -> html(views.login(token, null, "")));
        });
    }

    private Route signIn() {
        return formFieldMap(fields -> optionalCookie(LOGIN_COOKIE, cookie -> extractRequest(request -> {
            String user = Requests.userName(fields.get("user"));
            if (!WebSessions.sameToken(cookie.map(HttpCookiePair::value).orElse(null), fields.get(CSRF_FIELD))) {
                return freshLoginForm(StatusCodes.FORBIDDEN, "The sign-in form had expired; please sign in again.", user);
            }
            String password = fields.getOrDefault("password", "");
            if (user.isEmpty() || password.isEmpty()) {
                return freshLoginForm(StatusCodes.BAD_REQUEST, "Give a user name and a password.", user);
            }
            return onSuccess(admin.authenticate(user, password, Requests.clientAddress(request)), outcome -> {
                if (outcome == AuthOutcome.VALID) {
                    WebSessions.Session session = sessions.create(user);
                    LOG.info("web sign-in user={} client={}", user, Requests.clientAddress(request));
                    return setCookie(cookie(SESSION_COOKIE, session.id()), () ->
                            deleteCookie(cookie(LOGIN_COOKIE, ""), () -> redirect("/mailbox")));
                }
                return outcome == AuthOutcome.INVALID
                        ? freshLoginForm(StatusCodes.UNAUTHORIZED, "Wrong user name or password.", user)
                        : freshLoginForm(StatusCodes.SERVICE_UNAVAILABLE,
                        "Sign-in is busy just now; please try again in a moment.", user);
            });
        })));
    }

    private Route freshLoginForm(StatusCode status, String problem, String user) {
        String token = sessions.newToken();
        return setCookie(cookie(LOGIN_COOKIE, token), () -> html(status, views.login(token, problem, user)));
    }

    private Route signOut(WebSessions.Session session) {
        sessions.end(session.id());
        return deleteCookie(cookie(SESSION_COOKIE, ""), () -> redirect("/login"));
    }

    // ---------------------------------------------------------------- a user's own pages

    private Route mailbox(WebSessions.Session session) {
        return onSuccess(admin.messageCount(session.user()), count ->
                html(views.mailbox(viewer(session), count, sessions.takeNotice(session.id()))));
    }

    private Route changePassword(WebSessions.Session session, Map<String, String> fields) {
        String current = fields.getOrDefault("current", "");
        String password = fields.getOrDefault("password", "");
        Html.Viewer viewer = viewer(session);
        if (!password.equals(fields.getOrDefault("repeat", ""))) {
            return html(StatusCodes.BAD_REQUEST, views.password(viewer, "The two new passwords differ."));
        }
        if (!Administration.acceptablePassword(password)) {
            return html(StatusCodes.BAD_REQUEST, views.password(viewer, capitalized(
                    Administration.Change.INVALID_PASSWORD.message)));
        }
        return extractRequest(request -> onSuccess(
                admin.authenticate(session.user(), current, Requests.clientAddress(request)), outcome -> {
                    if (outcome != AuthOutcome.VALID) {
                        return html(StatusCodes.FORBIDDEN, views.password(viewer, outcome == AuthOutcome.INVALID
                                ? "The current password is wrong." : "Password checking is busy; try again."));
                    }
                    return onSuccess(admin.setPassword(session.user(), password), change -> {
                        if (change != Administration.Change.DONE) {
                            return html(StatusCodes.get(change.status), views.password(viewer, capitalized(change.message)));
                        }
                        sessions.endAllOf(session.user(), session.id()); // signed in elsewhere with the old one
                        sessions.notice(session.id(), "Your password was changed.");
                        return redirect("/mailbox");
                    });
                }));
    }

    private Route deleteOwn(WebSessions.Session session, Map<String, String> fields) {
        if (!"yes".equals(fields.get("confirm"))) {
            return html(StatusCodes.BAD_REQUEST, views.deleteOwn(viewer(session), "Tick the box to confirm."));
        }
        return onSuccess(admin.deleteUser(session.user()), change -> {
            sessions.endAllOf(session.user(), null);
            LOG.info("web: user={} deleted their own mailbox", session.user());
            return deleteCookie(cookie(SESSION_COOKIE, ""), () -> html(views.deleted(session.user())));
        });
    }

    // ---------------------------------------------------------------- administration

    private Route mailboxes(WebSessions.Session session) {
        CompletionStage<List<Views.MailboxRow>> rows = admin.users().thenCompose(names -> {
            List<CompletableFuture<Views.MailboxRow>> each = names.stream().sorted().map(name -> admin.messageCount(name)
                    .thenApply(count -> new Views.MailboxRow(name, count)).toCompletableFuture()).toList();
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(done -> each.stream().map(CompletableFuture::join).toList());
        });
        return onSuccess(rows, list -> html(views.mailboxes(viewer(session), list, sessions.takeNotice(session.id()))));
    }

    private Route createMailbox(WebSessions.Session session, Map<String, String> fields) {
        String name = fields.getOrDefault("name", "").strip();
        String domain = fields.getOrDefault("domain", "");
        String password = fields.getOrDefault("password", "");
        Html.Viewer viewer = viewer(session);
        if (!views.domains().contains(domain)) {
            return html(StatusCodes.BAD_REQUEST, views.newMailbox(viewer, "Choose one of the local domains.", name,
                    views.domains().get(0)));
        }
        return onSuccess(admin.createUser(name, password), change -> {
            if (change != Administration.Change.DONE) {
                return html(StatusCodes.get(change.status), views.newMailbox(viewer, capitalized(change.message), name,
                        domain));
            }
            LOG.info("web: admin={} created mailbox {}", session.user(), name);
            sessions.notice(session.id(), "Mailbox " + name + " created: " + name + "@" + domain + " takes mail now.");
            return redirect("/admin/mailboxes");
        });
    }

    private Route deleteMailbox(WebSessions.Session session, String name, Map<String, String> fields) {
        if (!"yes".equals(fields.get("confirm"))) {
            return html(StatusCodes.BAD_REQUEST, views.deleteOther(viewer(session), name, "Tick the box to confirm."));
        }
        return onSuccess(admin.deleteUser(name), change -> {
            if (change != Administration.Change.DONE) {
                sessions.notice(session.id(), "There is no mailbox " + name + ".");
                return redirect("/admin/mailboxes");
            }
            LOG.info("web: admin={} deleted mailbox {}", session.user(), name);
            sessions.endAllOf(name, null);
            if (name.equals(session.user())) {
                return deleteCookie(cookie(SESSION_COOKIE, ""), () -> html(views.deleted(name)));
            }
            sessions.notice(session.id(), "Mailbox " + name + " deleted: mail to it is refused from now on.");
            return redirect("/admin/mailboxes");
        });
    }

    private Route queue(WebSessions.Session session) {
        return onSuccess(admin.queue(), entries ->
                html(views.queue(viewer(session), entries, sessions.takeNotice(session.id()))));
    }

    private Route flush(WebSessions.Session session) {
        return onSuccess(admin.flushQueue(), domains -> {
            sessions.notice(session.id(), "Retrying every queued message now (" + domains
                    + (domains == 1 ? " domain)." : " domains)."));
            return redirect("/admin/queue");
        });
    }

    private Route removeFromQueue(WebSessions.Session session, String id) {
        return onSuccess(admin.removeFromQueue(id), removed -> {
            sessions.notice(session.id(), removed ? "Removed " + id + " from the queue, without a bounce."
                    : "No queue entry " + id + ": delivered or removed meanwhile.");
            return redirect("/admin/queue");
        });
    }

    // ---------------------------------------------------------------- sessions, forms, answers

    private Route optionalSession(Function<Optional<WebSessions.Session>, Route> inner) {
        return optionalCookie(SESSION_COOKIE, cookie ->
                inner.apply(cookie.flatMap(pair -> sessions.find(pair.value()))));
    }

    /** A page for a signed-in user; anyone else is sent to sign in. */
    private Route signedIn(Function<WebSessions.Session, Route> inner) {
        return optionalSession(session -> session.map(inner).orElseGet(() -> redirect("/login")));
    }

    private Route signedInAdmin(Function<WebSessions.Session, Route> inner) {
        return signedIn(session -> admin.isAdmin(session.user()) ? inner.apply(session) : forbidden(session));
    }

    /** A form post of a signed-in user, its CSRF token checked before anything else. */
    private Route form(BiFunction<WebSessions.Session, Map<String, String>, Route> inner) {
        return signedIn(session -> formFieldMap(fields -> WebSessions.sameToken(session.csrfToken(), fields.get(CSRF_FIELD))
                ? inner.apply(session, fields)
                : html(StatusCodes.FORBIDDEN, views.problemPage(viewer(session), "This form has expired",
                "The page was open too long or came from elsewhere. Go back, reload it and try again."))));
    }

    private Route adminForm(BiFunction<WebSessions.Session, Map<String, String>, Route> inner) {
        return form((session, fields) -> admin.isAdmin(session.user()) ? inner.apply(session, fields) : forbidden(session));
    }

    private Route forbidden(WebSessions.Session session) {
        return html(StatusCodes.FORBIDDEN, views.problemPage(viewer(session), "Administrators only",
                "This page is for the mail server's administrators."));
    }

    private Html.Viewer viewer(WebSessions.Session session) {
        return new Html.Viewer(session.user(), admin.isAdmin(session.user()), session.csrfToken());
    }

    /**
     * HttpOnly (no script reads it) and SameSite=Strict (no other site's page sends it). Not
     * Secure: the listener speaks plain HTTP, on loopback by default; a browser would not send a
     * Secure cookie back over it. Put a TLS proxy in front before exposing the page.
     */
    private static HttpCookie cookie(String name, String value) {
        return HttpCookie.create(name, value).withPath("/").withHttpOnly(true).withSameSite(SameSite.Strict);
    }

    private Route redirect(String path) {
        return redirect(Uri.create(path), StatusCodes.SEE_OTHER);
    }

    private Route html(String page) {
        return html(StatusCodes.OK, page);
    }

    private static Route html(StatusCode status, String page) {
        return Directives.complete(HttpResponse.create().withStatus(status).withEntity(ContentTypes.TEXT_HTML_UTF8, page));
    }

    private ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder().matchAny(failure -> {
            if (JsonApi.tooLarge(failure)) {
                return html(StatusCodes.CONTENT_TOO_LARGE, views.problemPage(null, "Too much",
                        "A form here is a few short fields; that one was over " + MAX_FORM + " octets."));
            }
            LOG.error("web page request failed", failure);
            return html(StatusCodes.INTERNAL_SERVER_ERROR, views.problemPage(null, "Something went wrong",
                    "The server could not do that; its log says why."));
        }).build();
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1) + ".";
    }
}
