package dev.tern.testing;

import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNSSEC-signed zone for tests, signed here with dnsjava's {@link DNSSEC#sign}: one ECDSA
 * P-256 key (flags 257, the zone's only key), an NSEC chain (RFC 4034 §4), an RRSIG over every
 * RRset. {@link #publish(FakeDnsServer)} puts it all on a fake DNS server, which hands signatures
 * and denials to queries with the DO bit; {@link #trustAnchor()} is the DS record a validator
 * starts from (the zone stands in for the root: no delegation chain is needed).
 */
public final class SignedZone {

    private static final long TTL = 60;

    private final Name apex;
    private final KeyPair keys;
    private final DNSKEYRecord dnskey;
    private final Map<Name, List<Record>> records = new LinkedHashMap<>();
    private final Set<String> corrupted = new HashSet<>();

    private SignedZone(Name apex) throws Exception {
        this.apex = apex;
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        this.keys = generator.generateKeyPair();
        this.dnskey = new DNSKEYRecord(apex, DClass.IN, TTL, 257, 3, DNSSEC.Algorithm.ECDSAP256SHA256,
                keys.getPublic());
        add(new SOARecord(apex, DClass.IN, TTL, name("ns." + apex), name("hostmaster." + apex), 1, 3600, 600,
                86400, TTL));
        add(new NSRecord(apex, DClass.IN, TTL, name("ns." + apex)));
        add(dnskey);
    }

    /** A zone at {@code apex} (e.g. "secure.test"), with SOA, NS and DNSKEY. */
    public static SignedZone create(String apex) throws Exception {
        return new SignedZone(name(apex));
    }

    public SignedZone a(String host, String address) throws Exception {
        return add(new ARecord(name(host), DClass.IN, TTL, InetAddress.getByName(address)));
    }

    public SignedZone aaaa(String host, String address) throws Exception {
        return add(new AAAARecord(name(host), DClass.IN, TTL, InetAddress.getByName(address)));
    }

    public SignedZone mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(host)));
    }

    /** A TLSA record at {@code _PORT._tcp.HOST}. */
    public SignedZone tlsa(int port, String host, int usage, int selector, int matchingType, byte[] data) {
        return add(new TLSARecord(name("_" + port + "._tcp." + host), DClass.IN, TTL, usage, selector, matchingType,
                data));
    }

    public SignedZone add(Record record) {
        if (!record.getName().subdomain(apex)) {
            throw new IllegalArgumentException(record.getName() + " is not in the zone " + apex);
        }
        records.computeIfAbsent(record.getName(), n -> new ArrayList<>()).add(record);
        return this;
    }

    /** The RRSIG over the name's RRset of that type will not verify: the answer is bogus. */
    public SignedZone corruptSignature(String name, int type) {
        corrupted.add(key(name(name), type));
        return this;
    }

    /** The zone's DS record in zone file format: a trust anchor for a validator. */
    public String trustAnchor() {
        return new DSRecord(apex, DClass.IN, TTL, DNSSEC.Digest.SHA256, dnskey).toString() + "\n";
    }

    /** Signs the zone now (valid from an hour ago for a day) and adds every record to the server. */
    public void publish(FakeDnsServer dns) throws Exception {
        Instant inception = Instant.now().minus(Duration.ofHours(1));
        Instant expiration = Instant.now().plus(Duration.ofDays(1));
        TreeMap<Name, List<Record>> all = new TreeMap<>(); // canonical order (RFC 4034 §6.1)
        records.forEach((name, list) -> all.put(name, new ArrayList<>(list)));
        List<Name> owners = new ArrayList<>(all.keySet());
        for (int i = 0; i < owners.size(); i++) {
            Name owner = owners.get(i);
            Set<Integer> types = new TreeSet<>();
            all.get(owner).forEach(r -> types.add(r.getType()));
            types.add(Type.NSEC);
            types.add(Type.RRSIG);
            Name next = owners.get((i + 1) % owners.size());
            all.get(owner).add(new NSECRecord(owner, DClass.IN, TTL, next,
                    types.stream().mapToInt(Integer::intValue).toArray()));
        }
        for (Map.Entry<Name, List<Record>> entry : all.entrySet()) {
            Map<Integer, RRset> sets = new TreeMap<>();
            for (Record r : entry.getValue()) {
                sets.computeIfAbsent(r.getType(), t -> new RRset()).addRR(r);
            }
            for (RRset set : sets.values()) {
                set.rrs().forEach(dns::add);
                RRSIGRecord signature = DNSSEC.sign(set, dnskey, keys.getPrivate(), inception, expiration);
                dns.add(corrupted.contains(key(set.getName(), set.getType())) ? broken(signature) : signature);
            }
        }
    }

    private static RRSIGRecord broken(RRSIGRecord sig) {
        byte[] signature = sig.getSignature();
        signature[signature.length / 2] ^= 0x55;
        return new RRSIGRecord(sig.getName(), sig.getDClass(), sig.getTTL(), sig.getTypeCovered(), sig.getAlgorithm(),
                sig.getOrigTTL(), sig.getExpire(), sig.getTimeSigned(), sig.getFootprint(), sig.getSigner(), signature);
    }

    private static String key(Name name, int type) {
        return name.toString().toLowerCase(Locale.ROOT) + "/" + type;
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text.toLowerCase(Locale.ROOT), Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + text, e);
        }
    }
}
