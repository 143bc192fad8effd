package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.http.Autoconfig;

/** {@code tern.autoconfig.imap-host}: the IMAP server Thunderbird's autoconfig names, set in a {@code -c} file. */
class AutoconfigSettingTest {

    @TempDir
    Path dir;

    private TernSettings settings(String configLine) throws Exception {
        Path config = Files.writeString(dir.resolve("tern.conf"), configLine + "\n");
        return TernSettings.load(CommandLine.parse(new String[] {"--data-dir", dir.toString(),
                "--hostname", "mx.example.org", "-c", config.toString()}));
    }

    @Test
    void unsetItIsTheHostNameOn993() throws Exception {
        assertThat(settings("").imapServer()).isEqualTo(new Autoconfig.ImapServer("mx.example.org", 993));
    }

    @Test
    void aFileNamesHostAndPort() throws Exception {
        assertThat(settings("tern.autoconfig.imap-host = \"imap.example.org:143\"").imapServer())
                .isEqualTo(new Autoconfig.ImapServer("imap.example.org", 143));
        assertThat(settings("tern.autoconfig.imap-host = imap.example.org").imapServer())
                .isEqualTo(new Autoconfig.ImapServer("imap.example.org", 993));
    }

    @Test
    void aBadValueNamesTheKeyAtLoad() {
        assertThatThrownBy(() -> settings("tern.autoconfig.imap-host = \"imap example\""))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("tern.autoconfig.imap-host: 'imap example' is not HOST or HOST:PORT");
    }
}
