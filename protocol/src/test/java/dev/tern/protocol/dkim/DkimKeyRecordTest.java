package dev.tern.protocol.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** RFC 6376 §3.6.1 key records, RFC 8463 §4 Ed25519 keys. */
class DkimKeyRecordTest {

    @Test
    void rsaAndEd25519Records() {
        DkimKeyRecord rsa = DkimKeyRecord.parse(Rfc8463Vectors.TEST_RECORD);
        assertThat(rsa.keyType()).isEqualTo("rsa");
        assertThat(((RSAPublicKey) rsa.key().orElseThrow()).getModulus().bitLength()).isEqualTo(1024);
        DkimKeyRecord ed = DkimKeyRecord.parse(Rfc8463Vectors.BRISBANE_RECORD);
        assertThat(ed.keyType()).isEqualTo("ed25519");
        assertThat(DkimKeyRecord.textFor(ed.key().orElseThrow())).isEqualTo(Rfc8463Vectors.BRISBANE_RECORD);
        assertThat(DkimKeyRecord.textFor(rsa.key().orElseThrow())).isEqualTo(Rfc8463Vectors.TEST_RECORD);
    }

    @Test
    void aBarePkcs1RsaKeyIsAcceptedToo() {
        byte[] spki = Base64.getDecoder().decode(Rfc8463Vectors.TEST_RECORD.substring(Rfc8463Vectors.TEST_RECORD.indexOf("p=") + 2));
        byte[] pkcs1 = Arrays.copyOfRange(spki, 22, spki.length); // after the SPKI's sequence, algorithm and bit-string headers
        DkimKeyRecord record = DkimKeyRecord.parse("k=rsa; p=" + Base64.getEncoder().encodeToString(pkcs1));
        assertThat(record.key()).contains(DkimKeyRecord.parse(Rfc8463Vectors.TEST_RECORD).key().orElseThrow());
    }

    @Test
    void anEmptyKeyIsRevoked() {
        DkimKeyRecord revoked = DkimKeyRecord.parse("v=DKIM1; p=");
        DkimSignature signature = DkimSignature.parse(HeaderField.of(Rfc8463Vectors.RSA_SIGNATURE));
        assertThat(revoked.key()).isEmpty();
        assertThat(revoked.refusal(signature)).contains("key revoked");
    }

    @Test
    void recordRulesRefuseSignatures() {
        DkimSignature rsa = DkimSignature.parse(HeaderField.of(Rfc8463Vectors.RSA_SIGNATURE));
        String p = Rfc8463Vectors.TEST_RECORD.substring(Rfc8463Vectors.TEST_RECORD.indexOf("p="));
        assertThat(DkimKeyRecord.parse("v=DKIM1; h=sha1; " + p).refusal(rsa)).contains("key record does not allow sha256");
        assertThat(DkimKeyRecord.parse("v=DKIM1; s=other; " + p).refusal(rsa)).contains("key not for email");
        assertThat(DkimKeyRecord.parse("v=DKIM1; t=y:s; " + p).refusal(rsa)).isEmpty(); // i=@football.example.com is d=
        assertThat(DkimKeyRecord.parse("v=DKIM1; t=y; " + p).testing()).isTrue();
    }

    @Test
    void malformedRecords() {
        assertThatThrownBy(() -> DkimKeyRecord.parse("v=DKIM2; p=AAAA")).hasMessage("bad key record version");
        assertThatThrownBy(() -> DkimKeyRecord.parse("k=rsa; v=DKIM1; p=AAAA")).hasMessage("bad key record version");
        assertThatThrownBy(() -> DkimKeyRecord.parse("v=DKIM1; k=dsa; p=AAAA")).hasMessage("unknown key type k=dsa");
        assertThatThrownBy(() -> DkimKeyRecord.parse("v=DKIM1; k=rsa; p=AAAA")).hasMessage("p= is not a rsa public key");
        assertThatThrownBy(() -> DkimKeyRecord.parse("v=DKIM1; k=ed25519; p=AAAA")).hasMessage("Ed25519 key of 3 octets, not 32");
        assertThatThrownBy(() -> DkimKeyRecord.parse("v=DKIM1; k=rsa")).hasMessage("missing tag p=");
    }
}
