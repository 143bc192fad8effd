package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --http} and {@code --admin} (CLI.md "More listeners"), and the rule that once any
 * listener is named, on the command line or in a -c file, only the listeners named are bound.
 */
class HttpOptionsTest {

    @TempDir
    Path dir;

    private TernSettings settings(String... args) throws UsageException {
        return TestSettings.load(dir, args);
    }

    @Test
    void withNoListenerNamedEveryDefaultIsBoundTheWebPageOnLoopback8025() throws UsageException {
        TernSettings settings = settings();
        assertThat(settings.http()).containsExactly(new InetSocketAddress("127.0.0.1", 8025));
        assertThat(settings.inbound()).isNotEmpty();
        assertThat(settings.outbound()).isNotEmpty();
        assertThat(settings.smtps()).isNotEmpty();
        assertThat(settings.admins()).isEmpty();
    }

    @Test
    void namingOneListenerBindsOnlyThoseNamed() throws UsageException {
        TernSettings smtpOnly = settings("--inbound", "127.0.0.1:2600");
        assertThat(smtpOnly.inbound()).containsExactly(new InetSocketAddress("127.0.0.1", 2600));
        assertThat(smtpOnly.outbound()).isEmpty();
        assertThat(smtpOnly.smtps()).isEmpty();
        assertThat(smtpOnly.http()).isEmpty();

        TernSettings httpOnly = settings("--http", "127.0.0.1:8080", "--http", "[::1]:8080");
        assertThat(httpOnly.http()).containsExactly(new InetSocketAddress("127.0.0.1", 8080),
                new InetSocketAddress("::1", 8080));
        assertThat(httpOnly.inbound()).isEmpty();
        assertThat(httpOnly.outbound()).isEmpty();
        assertThat(httpOnly.smtps()).isEmpty();
    }

    @Test
    void aListenerNamedInTheConfigFileCountsToo() throws Exception {
        Path file = Files.writeString(dir.resolve("tern.conf"), "tern.smtps = [\"127.0.0.1:4466\"]\n",
                StandardCharsets.UTF_8);
        TernSettings settings = settings("-c", file.toString());
        assertThat(settings.smtps()).containsExactly(new InetSocketAddress("127.0.0.1", 4466));
        assertThat(settings.http()).isEmpty();
        assertThat(settings.inbound()).isEmpty();
    }

    @Test
    void httpOffBindsNoHttpAndKeepsTheOtherDefaults() throws UsageException {
        TernSettings settings = settings("--http", "off");
        assertThat(settings.http()).isEmpty();
        assertThat(settings.inbound()).isNotEmpty();
        assertThat(settings.outbound()).isNotEmpty();
    }

    @Test
    void adminsAreUserDbNames() throws UsageException {
        assertThat(settings("--admin", "root", "--admin", "Alice").admins()).containsExactlyInAnyOrder("root", "alice");
        assertThatThrownBy(() -> settings("--admin", "not a name")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--admin: ");
        assertThatThrownBy(() -> settings("--http", "nonsense")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--http");
        assertThatThrownBy(() -> settings("--http", "off", "--http", "127.0.0.1:80")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--http");
    }
}
