package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web page's forms as raw HTTP (no browser needed): the session cookie's attributes, and
 * the CSRF tokens: a form posted without the session's token, or the sign-in form without
 * the token of its own cookie, changes nothing.
 */
class WebFormsTest {

    static final String ROOT_PASSWORD = "root's web secret";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    static TernProcess tern;

    @BeforeAll
    static void start() {
        tern = TernProcess.launch(new TernProcess.Options().http().extra("--admin", "root"));
        tern.addUser("root", ROOT_PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (tern != null) {
            tern.close();
        }
    }

    /** A browser without a browser: a cookie jar, no redirects followed. */
    private static final class Browser {
        final HttpClient client = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

        HttpResponse<String> get(String path) {
            return send(HttpRequest.newBuilder(URI.create(tern.httpBase() + path)).GET());
        }

        HttpResponse<String> post(String path, String... namesAndValues) {
            StringBuilder form = new StringBuilder();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                form.append(form.length() == 0 ? "" : "&").append(URLEncoder.encode(namesAndValues[i], StandardCharsets.UTF_8))
                        .append('=').append(URLEncoder.encode(namesAndValues[i + 1], StandardCharsets.UTF_8));
            }
            return send(HttpRequest.newBuilder(URI.create(tern.httpBase() + path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString())));
        }

        private HttpResponse<String> send(HttpRequest.Builder request) {
            try {
                return client.send(request.timeout(Duration.ofSeconds(45)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** The CSRF token of the page's forms. */
        static String token(HttpResponse<String> page) {
            Matcher token = CSRF.matcher(page.body());
            assertThat(token.find()).as("a csrf field in " + page.body()).isTrue();
            return token.group(1);
        }

        Browser signIn() {
            HttpResponse<String> form = get("/login");
            HttpResponse<String> signedIn = post("/login", "user", "root", "password", ROOT_PASSWORD, "csrf", token(form));
            assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
            assertThat(signedIn.headers().firstValue("Location")).hasValue("/mailbox");
            return this;
        }
    }

    @Test
    void theSessionCookieIsHttpOnlyAndSameSiteStrict() {
        Browser browser = new Browser();
        HttpResponse<String> form = browser.get("/login");
        HttpResponse<String> signedIn = browser.post("/login", "user", "root", "password", ROOT_PASSWORD, "csrf",
                Browser.token(form));

        List<String> cookies = signedIn.headers().allValues("Set-Cookie");
        String session = cookies.stream().filter(c -> c.startsWith("tern_session=")).collect(Collectors.joining());
        assertThat(session).as(cookies.toString()).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/")
                .doesNotContain("Expires").doesNotContain("Max-Age");
        assertThat(browser.get("/mailbox").statusCode()).isEqualTo(200);
        assertThat(new Browser().get("/mailbox").headers().firstValue("Location")).as("no cookie, no page")
                .hasValue("/login");
    }

    @Test
    void theSignInFormNeedsTheTokenOfItsOwnCookie() {
        Browser browser = new Browser();
        browser.get("/login");
        HttpResponse<String> forged = browser.post("/login", "user", "root", "password", ROOT_PASSWORD, "csrf",
                "a token from elsewhere");

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("The sign-in form had expired");
        HttpResponse<String> noCookie = new Browser().post("/login", "user", "root", "password", ROOT_PASSWORD,
                "csrf", Browser.token(browser.get("/login")));
        assertThat(noCookie.statusCode()).as("a token without its cookie").isEqualTo(403);
    }

    @Test
    void aFormPostedWithoutTheSessionsTokenChangesNothing() {
        Browser browser = new Browser().signIn();
        String token = Browser.token(browser.get("/admin/mailboxes/new"));

        HttpResponse<String> none = browser.post("/admin/mailboxes", "name", "mallory", "domain", TernProcess.DOMAIN,
                "password", "x");
        HttpResponse<String> wrong = browser.post("/admin/mailboxes", "name", "mallory", "domain", TernProcess.DOMAIN,
                "password", "x", "csrf", "not-the-token");
        HttpResponse<String> otherSession = browser.post("/admin/mailboxes", "name", "mallory", "domain",
                TernProcess.DOMAIN, "password", "x", "csrf", Browser.token(new Browser().signIn().get("/mailbox")));

        for (HttpResponse<String> refused : List.of(none, wrong, otherSession)) {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(refused.body()).contains("This form has expired");
        }
        assertThat(tern.usersFile()).content().doesNotContain("mallory");
        assertThat(tern.mailRoot().resolve("mallory")).doesNotExist();

        HttpResponse<String> created = browser.post("/admin/mailboxes", "name", "webmade", "domain", TernProcess.DOMAIN,
                "password", "webmade's pw", "csrf", token);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
        assertThat(tern.usersFile()).content().contains("webmade:{ARGON2ID}");
        assertThat(browser.get("/admin/mailboxes").body()).contains("Mailbox webmade created");

        HttpResponse<String> signOutForged = browser.post("/logout", "csrf", "nope");
        assertThat(signOutForged.statusCode()).isEqualTo(403);
        assertThat(browser.get("/mailbox").statusCode()).as("still signed in").isEqualTo(200);
        assertThat(browser.post("/logout", "csrf", token).statusCode()).isEqualTo(303);
        assertThat(browser.get("/mailbox").headers().firstValue("Location")).as("signed out").hasValue("/login");
    }
}
