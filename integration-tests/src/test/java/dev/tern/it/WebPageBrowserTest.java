package dev.tern.it;

import static dev.tern.it.Relaying.message;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser: Debian's Chromium, headless, driven by WebDriver through
 * Debian's chromedriver. An administrator signs in, creates a mailbox, the mailbox takes
 * mail over SMTP, the administrator deletes it through the page's warning and mail to it is
 * refused; a user signs in, changes the password and deletes their own mailbox. A
 * screenshot of every step lands in {@code target/screenshots/}.
 */
class WebPageBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final String ADMIN_PASSWORD = "the admin's secret";

    static TernProcess tern;
    static WebDriver browser;
    static Path profile;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser test needs Debian's chromium and chromium-driver (apt-get install -y chromium "
                        + "chromium-driver): " + CHROMIUM + " or " + CHROMEDRIVER + " is missing");
        Files.createDirectories(SCREENSHOTS);
        tern = TernProcess.launch(new TernProcess.Options().http().extra("--admin", "admin"));
        tern.addUser("admin", ADMIN_PASSWORD);
        profile = TestDirs.create("chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // No network but loopback here: the background services Chromium starts on its own only fail.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--window-size=1280,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (tern != null) {
                tern.close();
            }
            if (profile != null) {
                TestDirs.deleteQuietly(profile);
            }
        }
    }

    /** Each test starts signed out, whatever the one before it left behind. */
    @BeforeEach
    void signedOut() {
        if (browser.getCurrentUrl().startsWith(tern.httpBase())) { // cookies are per site: nothing to clear elsewhere
            browser.manage().deleteAllCookies();
        }
    }

    @Test
    void anAdminCreatesAMailboxThatTakesMailThenDeletesItAndMailIsRefused() {
        browser.get(tern.httpBase() + "/");
        assertThat(browser.getCurrentUrl()).endsWith("/login");
        screenshot("01-sign-in");

        signIn("admin", "a wrong password");
        assertThat(text()).contains("Wrong user name or password.");
        screenshot("02-sign-in-wrong-password");

        signIn("admin", ADMIN_PASSWORD);
        assertThat(browser.getCurrentUrl()).endsWith("/mailbox");
        assertThat(text()).contains("Signed in as admin").contains(address("admin")).contains("Administration");
        screenshot("03-admin-mailbox");

        navigate(browser.findElement(By.linkText("Mailboxes")));
        navigate(browser.findElement(By.linkText("New mailbox")));
        assertThat(text()).contains("DNS records the domains need")
                .contains(TernProcess.DOMAIN + ".  IN  MX  10  " + TernProcess.HOSTNAME + ".");
        screenshot("04-new-mailbox");

        browser.findElement(By.id("name")).sendKeys("carol");
        new Select(browser.findElement(By.id("domain"))).selectByVisibleText(TernProcess.DOMAIN);
        browser.findElement(By.id("password")).sendKeys("carol's password");
        navigate(browser.findElement(By.cssSelector("button[type=submit]:not(.link)")));
        assertThat(text()).contains("Mailbox carol created: carol@" + TernProcess.DOMAIN + " takes mail now.");
        screenshot("05-mailbox-created");

        // The mailbox takes mail at once: a file in carol's Maildir.
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("friend@client.test", List.of(address("carol")), message("welcome carol", "first mail"));
            smtp.quit();
        }
        List<Path> files = Maildirs.awaitNewFiles(tern.mailRoot(), "carol", 1, Duration.ofSeconds(5));
        assertThat(Maildirs.readLatin1(files.get(0))).contains("Subject: welcome carol\r\n");
        browser.navigate().refresh();
        WebElement carolRow = row("carol");
        assertThat(carolRow.getText()).contains(address("carol")).contains("1");
        screenshot("06-mailbox-with-mail");

        navigate(carolRow.findElement(By.linkText("Delete…")));
        assertThat(text()).contains("Delete the mailbox carol?").contains("Mail will no longer be reachable.")
                .contains(address("carol")).contains("550 5.1.1");
        screenshot("07-delete-warning");

        browser.findElement(By.name("confirm")).click();
        navigate(browser.findElement(By.cssSelector("button.danger")));
        assertThat(text()).contains("Mailbox carol deleted: mail to it is refused from now on.");
        assertThat(browser.findElements(By.xpath("//td/strong[text()='carol']"))).isEmpty();
        screenshot("08-mailbox-deleted");

        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<friend@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address("carol") + ">");
            smtp.expect("550 5.1.1");
            smtp.quit();
        }
        assertThat(files.get(0)).as("the mail already stored stays on disk").exists();
    }

    @Test
    void theQueuePageListsWhatWaitsAndRemovesIt() {
        signInAs("admin", ADMIN_PASSWORD);
        // No DNS answers in this test: mail for a remote domain stays queued.
        Relaying.send(tern, "admin@" + TernProcess.DOMAIN, List.of("someone@far-away.test"),
                message("stuck", "waits for DNS"));
        browser.get(tern.httpBase() + "/admin/queue");
        assertThat(text()).contains("someone@far-away.test").contains("<admin@" + TernProcess.DOMAIN + ">");
        screenshot("09-queue");

        navigate(browser.findElement(By.xpath("//button[text()='Remove']")));
        assertThat(text()).contains("from the queue, without a bounce.").contains("The queue is empty");
        screenshot("10-queue-removed");
    }

    @Test
    void aUserChangesTheirPasswordThenDeletesTheirOwnMailbox() {
        tern.addUser("dora", "dora's first");
        signInAs("dora", "dora's first");
        assertThat(text()).contains("Your mailbox").contains(address("dora")).doesNotContain("Administration");
        screenshot("11-user-mailbox");

        browser.get(tern.httpBase() + "/admin/mailboxes");
        assertThat(text()).contains("Administrators only");

        navigate(browser.findElement(By.linkText("Password")));
        browser.findElement(By.id("current")).sendKeys("dora's first");
        browser.findElement(By.id("password")).sendKeys("dora's second");
        browser.findElement(By.id("repeat")).sendKeys("dora's second");
        screenshot("12-change-password");
        navigate(browser.findElement(By.cssSelector("main button[type=submit]")));
        assertThat(text()).contains("Your password was changed.");

        signOut();
        signIn("dora", "dora's first");
        assertThat(text()).contains("Wrong user name or password.");
        signIn("dora", "dora's second");
        assertThat(browser.getCurrentUrl()).endsWith("/mailbox");

        navigate(browser.findElement(By.linkText("Delete my mailbox…")));
        assertThat(text()).contains("Delete your mailbox?").contains("Mail will no longer be reachable.");
        screenshot("13-delete-own-warning");
        browser.findElement(By.name("confirm")).click();
        navigate(browser.findElement(By.cssSelector("button.danger")));
        assertThat(text()).contains("Mailbox deleted");
        screenshot("14-own-mailbox-deleted");

        browser.get(tern.httpBase() + "/mailbox");
        assertThat(browser.getCurrentUrl()).as("signed out").endsWith("/login");
        assertThat(tern.usersFile()).content().doesNotContain("dora:");
    }

    // ---------------------------------------------------------------- the person at the browser

    private static void signInAs(String user, String password) {
        browser.manage().deleteAllCookies();
        signIn(user, password);
        assertThat(browser.getCurrentUrl()).as(text()).endsWith("/mailbox");
    }

    private static void signIn(String user, String password) {
        if (!browser.getCurrentUrl().endsWith("/login")) {
            browser.get(tern.httpBase() + "/login");
        }
        WebElement name = browser.findElement(By.id("user"));
        name.clear();
        name.sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        navigate(browser.findElement(By.cssSelector("button[type=submit]")));
    }

    private static void signOut() {
        navigate(browser.findElement(By.xpath("//button[text()='Sign out']")));
        assertThat(browser.getCurrentUrl()).endsWith("/login");
    }

    /**
     * Clicks a link or a form's button and waits until the page it leads to has replaced this
     * one: a click returns before the browser has navigated, and a question asked too early
     * reads the old page, or none.
     */
    private static void navigate(WebElement linkOrButton) {
        linkOrButton.click();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(driver -> gone(linkOrButton));
    }

    /**
     * Whether the element's page has been replaced. Asked mid-navigation, Chrome may answer
     * "Node with given id does not belong to the document" instead of a stale reference (CI saw
     * it): the node is detached either way.
     */
    private static boolean gone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (StaleElementReferenceException stale) {
            return true;
        } catch (WebDriverException midNavigation) {
            String message = midNavigation.getMessage();
            if (message != null && message.contains("does not belong to the document")) {
                return true;
            }
            throw midNavigation;
        }
    }

    private static String text() {
        return new WebDriverWait(browser, Duration.ofSeconds(20))
                .until(ExpectedConditions.presenceOfElementLocated(By.tagName("body"))).getText();
    }

    private static WebElement row(String user) {
        return browser.findElement(By.xpath("//tr[td/strong[text()='" + user + "']]"));
    }

    private static void screenshot(String name) {
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        try {
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
