package dev.tern.dkim;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.RSAKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.tern.protocol.dkim.DkimAlgorithm;
import dev.tern.protocol.dkim.DkimSigner;
import dev.tern.tls.PemCredentials;
import dev.tern.tls.TlsCredentialsException;

/**
 * The signing keys of {@code --dkim-key DOMAIN:SELECTOR:FILE}, one per From: domain: read once
 * at start, each file a PEM private key (PKCS#8 RSA or Ed25519, or PKCS#1 RSA), as
 * {@code ./tern dkim keygen} writes them.
 */
public final class DkimKeys {

    private final Map<String, DkimSigner> byDomain;

    private DkimKeys(Map<String, DkimSigner> byDomain) {
        this.byDomain = Map.copyOf(byDomain);
    }

    public static DkimKeys none() {
        return new DkimKeys(Map.of());
    }

    /**
     * @param specs {@code DOMAIN:SELECTOR:FILE} each
     * @throws IllegalArgumentException naming the option value or file that is wrong, for a usage error
     */
    public static DkimKeys load(List<String> specs) {
        Map<String, DkimSigner> byDomain = new LinkedHashMap<>();
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
            byDomain.put(domain, new DkimSigner(domain, selector, read(Path.of(parts[2]))));
        }
        return new DkimKeys(byDomain);
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
