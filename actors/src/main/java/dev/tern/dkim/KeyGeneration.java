package dev.tern.dkim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import dev.tern.files.Durable;
import dev.tern.files.PrivateFiles;
import dev.tern.protocol.dkim.DkimKeyRecord;

/**
 * {@code ./tern dkim keygen}: a new key pair, the private half written as a PKCS#8 PEM file
 * (0600, in a 0700 directory), and the DNS record that publishes the public half.
 */
public final class KeyGeneration {

    /** RSA modulus: 2048 bits, what RFC 8301 §3.2 advises and every DNS host accepts in a TXT record. */
    public static final int RSA_BITS = 2048;
    /** One character-string of a TXT record holds at most 255 octets (RFC 1035 §3.3). */
    private static final int TXT_STRING = 255;

    private KeyGeneration() {
    }

    public enum Algorithm { RSA, ED25519 }

    /** What was made: the key file, and the record line to publish. */
    public record Generated(Path file, String record) {
    }

    /**
     * @throws FileAlreadyExistsException when {@code file} exists: a key is never overwritten
     */
    public static Generated generate(String domain, String selector, Algorithm algorithm, Path file)
            throws IOException, GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm == Algorithm.RSA ? "RSA" : "Ed25519");
        if (algorithm == Algorithm.RSA) {
            generator.initialize(RSA_BITS);
        }
        KeyPair pair = generator.generateKeyPair();
        PrivateFiles.createDirectories(file.getParent());
        try (FileChannel channel = PrivateFiles.create(file)) {
            channel.write(ByteBuffer.wrap(pem(pair.getPrivate().getEncoded()).getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);
        }
        Durable.syncDirectory(file.getParent());
        return new Generated(file, recordLine(domain, selector, DkimKeyRecord.textFor(pair.getPublic())));
    }

    /** {@code SELECTOR._domainkey.DOMAIN. IN TXT "..." "..."}, as a zone file and most DNS hosts take it. */
    public static String recordLine(String domain, String selector, String text) {
        List<String> strings = new ArrayList<>();
        for (int at = 0; at < text.length(); at += TXT_STRING) {
            strings.add('"' + text.substring(at, Math.min(text.length(), at + TXT_STRING)) + '"');
        }
        return selector + "._domainkey." + domain + ". IN TXT " + String.join(" ", strings);
    }

    private static String pem(byte[] pkcs8) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8);
        return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
    }
}
