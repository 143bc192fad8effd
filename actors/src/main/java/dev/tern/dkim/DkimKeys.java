package dev.tern.dkim;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import dev.tern.protocol.dkim.DkimAlgorithm;
import dev.tern.protocol.dkim.DkimKeyRecord;
import dev.tern.protocol.dkim.DkimSigner;
import dev.tern.tls.PemCredentials;
import dev.tern.tls.TlsCredentialsException;

/**
 * The signing keys of {@code --dkim-key DOMAIN:SELECTOR:FILE}, one per From: domain: read once
 * at start, each file a PEM private key (PKCS#8 RSA or Ed25519, or PKCS#1 RSA), as
 * {@code ./tern dkim keygen} writes them.
 */
public final class DkimKeys {

    /** Not registered with the JDK: used only where named, so TLS and the rest keep the JDK's providers. */
    private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

    private final Map<String, DkimSigner> byDomain;
    private final Map<String, String> records;

    private DkimKeys(Map<String, DkimSigner> byDomain, Map<String, String> records) {
        this.byDomain = Map.copyOf(byDomain);
        this.records = Map.copyOf(records);
    }

    public static DkimKeys none() {
        return new DkimKeys(Map.of(), Map.of());
    }

    /**
     * @param specs {@code DOMAIN:SELECTOR:FILE} each
     * @throws IllegalArgumentException naming the option value or file that is wrong, for a usage error
     */
    public static DkimKeys load(List<String> specs) {
        Map<String, DkimSigner> byDomain = new LinkedHashMap<>();
        Map<String, String> records = new LinkedHashMap<>();
        for (String spec : specs) {
            String[] parts = spec.split(":", 3);
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                throw new IllegalArgumentException("'" + spec + "' is not DOMAIN:SELECTOR:FILE");
            }
            String domain = parts[0].strip().toLowerCase(Locale.ROOT);
            if (!domain.matches("[a-z0-9]([a-z0-9.-]{0,252})")) {
                throw new IllegalArgumentException("'" + parts[0] + "' is not a domain name");
            }
            String selector = parts[1].strip();
            if (!selector.matches("[A-Za-z0-9]([A-Za-z0-9._-]{0,62})")) {
                throw new IllegalArgumentException("selector '" + selector + "' is not a DNS label");
            }
            if (byDomain.containsKey(domain)) {
                throw new IllegalArgumentException("a second key for " + domain + " (one key per domain)");
            }
            PrivateKey key = read(Path.of(parts[2]));
            PrivateKey signing = DkimAlgorithm.forKey(key) == DkimAlgorithm.ED25519_SHA256
                    ? bouncyCastle(key, parts[2]) : key;
            byDomain.put(domain, signing == key ? new DkimSigner(domain, selector, key)
                    : new DkimSigner(domain, selector, signing, BOUNCY_CASTLE));
            PublicKeys.of(signing).ifPresent(pub ->
                    records.put(domain, KeyGeneration.recordLine(domain, selector, DkimKeyRecord.textFor(pub))));
        }
        return new DkimKeys(byDomain, records);
    }

    /**
     * The TXT record to publish for the domain's key ({@code SELECTOR._domainkey.DOMAIN. IN TXT ...}), as
     * {@code dkim keygen} printed it; empty for a domain without a key, or an RSA key file without its public
     * exponent (a bare PKCS#1 key always has it).
     */
    public Optional<String> record(String domain) {
        return Optional.ofNullable(records.get(domain.toLowerCase(Locale.ROOT)));
    }

    /** Every domain's TXT record, for the web page. */
    public Map<String, String> records() {
        return records;
    }

    /**
     * The same Ed25519 key for Bouncy Castle, which signs in about 50 µs where the JDK 17's own
     * EdDSA takes a millisecond (measured here); the signatures are the same octets (Ed25519 is
     * deterministic), and RSA stays with the JDK, which is as fast.
     */
    private static PrivateKey bouncyCastle(PrivateKey key, String file) {
        try {
            return KeyFactory.getInstance("Ed25519", BOUNCY_CASTLE).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("private key file " + file + ": " + e.getMessage());
        }
    }

    /** The key file's key, if it can sign DKIM: RSA of 1024 bits or more (RFC 8301 §3.2), or Ed25519. */
    static PrivateKey read(Path file) {
        PrivateKey key;
        try {
            key = PemCredentials.readPrivateKey(file);
        } catch (TlsCredentialsException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        try {
            DkimAlgorithm.forKey(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("private key file " + file + " holds a " + key.getAlgorithm()
                    + " key; DKIM signs with RSA or Ed25519");
        }
        if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < 1024) {
            throw new IllegalArgumentException("private key file " + file + " holds an RSA key of "
                    + rsa.getModulus().bitLength() + " bits; DKIM needs 1024 or more (2048 advised)");
        }
        return key;
    }

    /** The signer for mail whose From: is in {@code domain} (exactly; a subdomain has its own key). */
    public Optional<DkimSigner> forDomain(String domain) {
        return Optional.ofNullable(byDomain.get(domain.toLowerCase(Locale.ROOT)));
    }

    public boolean isEmpty() {
        return byDomain.isEmpty();
    }

    /** The domains with a key, for the ready line and logs. */
    public List<String> domains() {
        return List.copyOf(byDomain.keySet());
    }
}
