package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.SubmissionSenderPolicy.Ownership;

/**
 * The listener options of shared/CLI.md, {@code --submission} among them: defaults apply only
 * while no listener is named at all, on the command line or in the config file.
 */
class ListenerOptionsTest {

    @TempDir
    Path dir;

    private TernSettings settings(String... args) throws UsageException {
        return TestSettings.load(dir, args);
    }

    private String configFile(String hocon) throws IOException {
        return Files.writeString(dir.resolve("tern.conf"), hocon).toString();
    }

    @Test
    void withNoListenerNamedTheDefaultsAreBoundAndNoSubmissionListener() throws UsageException {
        TernSettings settings = settings();
        assertThat(settings.inbound()).extracting(InetSocketAddress::getPort).containsExactly(2525);
        assertThat(settings.outbound()).extracting(InetSocketAddress::getPort).isNotEmpty().containsOnly(2587);
        assertThat(settings.smtps()).extracting(InetSocketAddress::getPort).containsExactly(4465);
        assertThat(settings.submission().listeners()).isEmpty();
    }

    @Test
    void submissionAloneBindsOnlySubmission() throws UsageException {
        TernSettings settings = settings("--submission", "127.0.0.1:2600", "--submission", "[::1]:2600");
        assertThat(settings.submission().listeners()).containsExactly(
                new InetSocketAddress("127.0.0.1", 2600), new InetSocketAddress("::1", 2600));
        assertThat(settings.inbound()).isEmpty();
        assertThat(settings.outbound()).isEmpty();
        assertThat(settings.smtps()).isEmpty();
    }

    @Test
    void anyOtherListenerNamedAloneDropsTheRestsDefaults() throws UsageException {
        TernSettings inbound = settings("--inbound", "127.0.0.1:2600");
        assertThat(inbound.inbound()).containsExactly(new InetSocketAddress("127.0.0.1", 2600));
        assertThat(inbound.outbound()).isEmpty();
        assertThat(inbound.smtps()).isEmpty();
        assertThat(inbound.submission().listeners()).isEmpty();

        TernSettings smtps = settings("--smtps", "127.0.0.1:2601");
        assertThat(smtps.smtps()).containsExactly(new InetSocketAddress("127.0.0.1", 2601));
        assertThat(smtps.inbound()).isEmpty();
        assertThat(smtps.outbound()).isEmpty();
    }

    @Test
    void aListenerNamedInTheConfigFileCountsToo() throws Exception {
        TernSettings settings = settings("-c", configFile("tern.submission = [\"127.0.0.1:2602\"]\n"));
        assertThat(settings.submission().listeners()).containsExactly(new InetSocketAddress("127.0.0.1", 2602));
        assertThat(settings.inbound()).isEmpty();
        assertThat(settings.outbound()).isEmpty();
        assertThat(settings.smtps()).isEmpty();
    }

    @Test
    void theCommandLineAndTheFileAddUpAcrossListeners() throws Exception {
        TernSettings settings = settings("-c", configFile("tern.inbound = [\"127.0.0.1:2603\"]\n"),
                "--submission", "127.0.0.1:2604");
        assertThat(settings.inbound()).containsExactly(new InetSocketAddress("127.0.0.1", 2603));
        assertThat(settings.submission().listeners()).containsExactly(new InetSocketAddress("127.0.0.1", 2604));
        assertThat(settings.outbound()).isEmpty();
        assertThat(settings.smtps()).isEmpty();
    }

    @Test
    void aBadSubmissionAddressNamesTheOption() {
        assertThatThrownBy(() -> settings("--submission", "localhost:587")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--submission: 'localhost:587'");
        assertThatThrownBy(() -> settings("--submission", "127.0.0.1:99999")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--submission:");
    }

    @Test
    void theSenderCheckIsOwnUnlessTheFileSaysOtherwise() throws Exception {
        assertThat(settings().submission().senders()).isEqualTo(Ownership.OWN);
        assertThat(settings("-c", configFile("tern.submission-sender = own-local\n")).submission().senders())
                .isEqualTo(Ownership.OWN_LOCAL);
        assertThat(settings("-c", configFile("tern.submission-sender = any\n")).submission().senders())
                .isEqualTo(Ownership.ANY);
    }

    @Test
    void aBadSenderCheckNamesTheKey() throws Exception {
        String file = configFile("tern.submission-sender = maybe\n");
        assertThatThrownBy(() -> settings("-c", file)).isInstanceOf(UsageException.class)
                .hasMessage("tern.submission-sender: 'maybe' is not own, own-local or any");
    }

    @Test
    void helpListsSubmission() {
        assertThat(CommandLine.help()).contains("--submission ADDR:PORT", "RFC 6409", "AUTH before MAIL");
    }
}
