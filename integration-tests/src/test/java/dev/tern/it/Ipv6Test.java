package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** An inbound listener on [::1] takes mail over IPv6. */
class Ipv6Test {

    @Test
    void deliveryOverIpv6Loopback() {
        Assumptions.assumeTrue(TestDirs.ipv6LoopbackUsable(), "::1 cannot be bound on this machine (no IPv6)");
        try (TernProcess tern = TernProcess.launch(new TernProcess.Options().inboundHost("::1"))) {
            String user = tern.newUser("six");
            try (SmtpTranscript smtp = SmtpTranscript.connect("::1", tern.inboundPort())) {
                assertThat(smtp.socket().getInetAddress().getHostAddress()).contains(":");
                assertThat(smtp.greeting().lastLine()).isEqualTo("220 tern.test ESMTP Tern");
                smtp.ehlo("client.test");
                smtp.deliver("v6@client.test", List.of(address(user)), "Subject: v6\r\n\r\nover IPv6\r\n");
                smtp.quit();
            }
            Maildirs.Stored stored = Maildirs.parse(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
            assertThat(stored.messageLatin1()).isEqualTo("Subject: v6\r\n\r\nover IPv6\r\n");
            assertThat(stored.receivedUnfolded()).as("the client's IPv6 address in Received").contains("::1");
        }
    }

    @Test
    void swaksOverIpv6() {
        Assumptions.assumeTrue(TestDirs.ipv6LoopbackUsable(), "::1 cannot be bound on this machine (no IPv6)");
        try (TernProcess tern = TernProcess.launch(new TernProcess.Options().inboundHost("::1"))) {
            String user = tern.newUser("sixswaks");
            Exec.Result result = Clients.swaks("::1", tern.inboundPort(), "v6@client.test", address(user),
                    "v6 swaks", "hello over v6", "-6");
            assertThat(result.exitCode()).as(result.describe()).isZero();
            Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);
        }
    }
}
