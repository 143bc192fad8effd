package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.mailauth.InboundAuthMode;

/** {@code --inbound-auth} (shared/CLI.md "Addresses and mail authentication"): record by default. */
class InboundAuthOptionsTest {

    @TempDir
    Path dir;

    private TernSettings load(String... args) throws UsageException {
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = dir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return TernSettings.load(CommandLine.parse(all));
    }

    @Test
    void recordByDefaultEnforceAndOffOnRequest() throws UsageException {
        assertThat(load().inboundAuth()).isEqualTo(InboundAuthMode.RECORD);
        assertThat(load("--inbound-auth", "enforce").inboundAuth()).isEqualTo(InboundAuthMode.ENFORCE);
        assertThat(load("--inbound-auth=Record").inboundAuth()).isEqualTo(InboundAuthMode.RECORD);
        assertThat(load("--inbound-auth", "off").inboundAuth()).isEqualTo(InboundAuthMode.OFF);
    }

    @Test
    void anyOtherValueIsAUsageError() {
        // a UsageException is exit 2 (Main)
        assertThatThrownBy(() -> load("--inbound-auth", "strict")).isInstanceOf(UsageException.class)
                .hasMessage("--inbound-auth: 'strict' is not record, enforce or off");
    }

    @Test
    void helpNamesIt() {
        assertThat(CommandLine.help()).contains("--inbound-auth record|enforce|off");
    }
}
