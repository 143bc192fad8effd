package dev.tern.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.testing.FuzzFiles;

/**
 * Fuzzes PEM loading ({@link PemCredentials}) with arbitrary files (FUZZING.md). Replays
 * {@code PemCredentialsFuzzTestInputs/pemFile/} in every test run.
 *
 * <p>Input: blocks of {@code [type][length: 2 octets][octets]}. Type 0 puts the octets into the file as they are;
 * the others wrap them (the DER, so the fuzzer reaches the ASN.1 and key parsers) as a PEM block of the type
 * {@link #TYPES} names. The one file serves as both the certificate file and the key file.
 */
class PemCredentialsFuzzTest {

    private static final List<String> TYPES = List.of("CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY",
            "EC PRIVATE KEY", "PUBLIC KEY", "TRUSTED CERTIFICATE", "ENCRYPTED PRIVATE KEY", "X509 CRL",
            "CERTIFICATE REQUEST", "DSA PRIVATE KEY", "RSA PUBLIC KEY", "PKCS7");
    private static final Path FILE = FuzzFiles.scratch("both.pem");

    @FuzzTest(maxDuration = "10m")
    void pemFile(byte[] input) throws IOException {
        Files.writeString(FILE, pem(input), StandardCharsets.ISO_8859_1);

        List<X509Certificate> chain = null;
        try {
            chain = PemCredentials.readCertificateChain(FILE);
            assertThat(chain).isNotEmpty().doesNotContainNull();
        } catch (TlsCredentialsException e) { // the one documented failure, a one-line message for the admin
            assertOneLine(e);
        }
        PrivateKey key = null;
        try {
            key = PemCredentials.readPrivateKey(FILE);
            assertThat(key).isNotNull();
        } catch (TlsCredentialsException e) {
            assertOneLine(e);
        }
        try {
            TlsCredentials credentials = PemCredentials.load(FILE, FILE);
            assertThat(credentials.chain()).isEqualTo(chain);
            assertThat(credentials.privateKey()).isEqualTo(key);
            assertThat(PemCredentials.belongTogether(key, chain.get(0).getPublicKey())).isTrue();
        } catch (TlsCredentialsException e) {
            assertOneLine(e);
        }
    }

    private static void assertOneLine(TlsCredentialsException e) {
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
    }

    static String pem(byte[] input) {
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < input.length) {
            int type = input[i] & 0xff;
            int length = i + 2 < input.length ? ((input[i + 1] & 0xff) << 8) | (input[i + 2] & 0xff) : 0;
            int start = Math.min(i + 3, input.length);
            int end = Math.min(start + length, input.length);
            byte[] octets = Arrays.copyOfRange(input, start, end);
            i = end;
            if (type == 0) {
                text.append(new String(octets, StandardCharsets.ISO_8859_1));
            } else {
                String name = TYPES.get((type - 1) % TYPES.size());
                text.append("-----BEGIN ").append(name).append("-----\n")
                        .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(octets))
                        .append("\n-----END ").append(name).append("-----\n");
            }
        }
        return text.toString();
    }
}
