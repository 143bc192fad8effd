package dev.tern.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    @Test
    void fourHundredsAreTransientWithTheirEnhancedCode() {
        assertThat(FailureClassifier.ofReply(451, "4.3.0", "Try again later")).isEqualTo(
                new DeliveryFailure(FailureKind.TRANSIENT, "4.3.0", "smtp; 451 4.3.0 Try again later"));
    }

    @Test
    void fiveHundredsArePermanent() {
        DeliveryFailure failure = FailureClassifier.ofReply(550, "5.1.1", "<bob@example.test>: User unknown");
        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.isTransient()).isFalse();
        assertThat(failure.status()).isEqualTo("5.1.1");
        assertThat(failure.diagnostic()).isEqualTo("smtp; 550 5.1.1 <bob@example.test>: User unknown");
    }

    @Test
    void missingOrMismatchedEnhancedCodeFallsBackToTheClassDefault() {
        assertThat(FailureClassifier.ofReply(421, null, "mx.example.test closing")).isEqualTo(
                new DeliveryFailure(FailureKind.TRANSIENT, "4.0.0", "smtp; 421 mx.example.test closing"));
        DeliveryFailure mismatched = FailureClassifier.ofReply(550, "4.1.1", "odd");
        assertThat(mismatched.status()).isEqualTo("5.0.0");
        assertThat(mismatched.diagnostic()).isEqualTo("smtp; 550 4.1.1 odd");
        assertThat(FailureClassifier.ofReply(554, "5.x.1", "bad").status()).isEqualTo("5.0.0");
        assertThat(FailureClassifier.ofReply(452, "4.5.3000", "bad").status()).isEqualTo("4.0.0");
    }

    @Test
    void replyTextCannotInjectLines() {
        DeliveryFailure failure = FailureClassifier.ofReply(550, "5.7.1",
                "no\r\nSubject: injected\r\n\tfold \u00e9t\u00e9\u0000");
        assertThat(failure.diagnostic()).isEqualTo("smtp; 550 5.7.1 no Subject: injected fold ?t?");
        String longText = "x".repeat(5000);
        assertThat(FailureClassifier.ofReply(550, "5.0.0", longText).diagnostic())
                .hasSize("smtp; 550 5.0.0 ".length() + FailureClassifier.MAX_TEXT - "550 5.0.0 ".length() + 3)
                .endsWith("x...");
    }

    @Test
    void successRepliesAreNotFailures() {
        assertThatThrownBy(() -> FailureClassifier.ofReply(250, "2.0.0", "ok"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void connectionRefusedNamesTheDestination() {
        DeliveryFailure failure = FailureClassifier.ofException(new ConnectException("Connection refused"),
                "mx.example.test[127.0.0.1]:25");
        assertThat(failure).isEqualTo(new DeliveryFailure(FailureKind.TRANSIENT, "4.4.1",
                "X-Tern; connect to mx.example.test[127.0.0.1]:25: Connection refused"));
        assertThat(FailureClassifier.ofException(new ConnectException()).diagnostic())
                .isEqualTo("X-Tern; connect failed: Connection refused");
    }

    @Test
    void exceptionsMapToStatuses() {
        assertThat(FailureClassifier.ofException(new SocketTimeoutException("Read timed out")).status())
                .isEqualTo("4.4.2");
        assertThat(FailureClassifier.ofException(new TimeoutException("greeting"), "mx[127.0.0.1]:25").diagnostic())
                .isEqualTo("X-Tern; conversation with mx[127.0.0.1]:25 timed out: greeting");
        assertThat(FailureClassifier.ofException(new UnknownHostException("mx.example.test")).diagnostic())
                .isEqualTo("X-Tern; host lookup failed: mx.example.test");
        assertThat(FailureClassifier.ofException(new UnknownHostException("x")).status()).isEqualTo("4.4.3");
        assertThat(FailureClassifier.ofException(new SSLHandshakeException("no cipher suites in common")))
                .isEqualTo(new DeliveryFailure(FailureKind.TRANSIENT, "4.7.0",
                        "X-Tern; TLS failure: no cipher suites in common"));
        assertThat(FailureClassifier.ofException(new EOFException(), "mx[127.0.0.1]:25"))
                .isEqualTo(new DeliveryFailure(FailureKind.TRANSIENT, "4.4.2",
                        "X-Tern; lost connection with mx[127.0.0.1]:25"));
        assertThat(FailureClassifier.ofException(new IllegalStateException("boom")))
                .isEqualTo(new DeliveryFailure(FailureKind.TRANSIENT, "4.0.0",
                        "X-Tern; delivery failed: boom"));
        assertThat(FailureClassifier.ofException(new IllegalStateException()).diagnostic())
                .isEqualTo("X-Tern; delivery failed: IllegalStateException");
    }

    @Test
    void wrappersAndCauseChainsAreLookedThrough() {
        Throwable wrapped = new CompletionException(new ExecutionException(new ConnectException("Connection refused")));
        assertThat(FailureClassifier.ofException(wrapped).status()).isEqualTo("4.4.1");
        // a library's own exception (say the SMTP client's ConnectFailed) with the socket's cause
        Throwable library = new RuntimeException("connect failed", new IOException("wrapper",
                new SocketTimeoutException("connect timed out")));
        assertThat(FailureClassifier.ofException(library).status()).isEqualTo("4.4.2");
        DeliveryFailure carried = new DeliveryFailure(FailureKind.TRANSIENT, "4.4.1", "X-Tern; all MX hosts down");
        assertThat(FailureClassifier.ofException(
                new CompletionException(new DestinationUnavailable("example.test", carried)))).isSameAs(carried);
    }

    @Test
    void causeCyclesTerminate() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(FailureClassifier.ofException(a).status()).isEqualTo("4.0.0");
    }

    @Test
    void deliveryFailureChecksItsStatus() {
        assertThatThrownBy(() -> new DeliveryFailure(FailureKind.PERMANENT, "4.1.1", "smtp; 550 x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeliveryFailure(FailureKind.TRANSIENT, "4.1", "smtp; 450 x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeliveryFailure(FailureKind.TRANSIENT, "4.1.1", "smtp; 450\r\nx"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void destinationUnavailableIsCheap() {
        DeliveryFailure failure = FailureClassifier.ofReply(421, "4.3.2", "shutting down");
        DestinationUnavailable e = new DestinationUnavailable("example.test", failure);
        assertThat(e.getStackTrace()).isEmpty();
        assertThat(e.failure()).isSameAs(failure);
        assertThat(e.destination()).isEqualTo("example.test");
        assertThat(e).hasMessage("example.test: 4.3.2 smtp; 421 4.3.2 shutting down");
    }
}
