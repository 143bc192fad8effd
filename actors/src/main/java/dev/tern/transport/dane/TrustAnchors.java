package dev.tern.transport.dane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Where DNSSEC validation starts: DS or DNSKEY records in zone file format. Built in: the IANA
 * root anchors (KSK-2017 and KSK-2024, resource {@code dnssec-root-anchors.txt}); configured:
 * the file named by {@code tern.dns-trust-anchor}, for a private root or a test zone.
 *
 * @param zoneText the records as read, handed to dnsjava's validator as they are
 * @param owner    the name of the first anchor: what the start-up probe asks the DNSKEY of
 * @param source   where they came from, for the log
 */
public record TrustAnchors(byte[] zoneText, Name owner, String source) {

    private static final String BUILT_IN = "dnssec-root-anchors.txt";

    public TrustAnchors {
        zoneText = zoneText.clone();
    }

    @Override
    public byte[] zoneText() {
        return zoneText.clone();
    }

    /** The IANA root anchors shipped with Tern. */
    public static TrustAnchors builtIn() {
        try (InputStream in = TrustAnchors.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + BUILT_IN + " is missing from the build");
            }
            return parse(in.readAllBytes(), "the built-in root anchors (KSK 20326, 38696)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file of DS or DNSKEY records; the exception says what is wrong with it, for the operator. */
    public static TrustAnchors fromFile(Path file) throws IOException {
        byte[] text;
        try {
            text = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read the DNSSEC trust anchor file " + file + " (tern.dns-trust-anchor): "
                    + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static TrustAnchors parse(byte[] text, String source) throws IOException {
        List<Record> anchors = new ArrayList<>();
        try (Master master = new Master(new ByteArrayInputStream(text), Name.root, 0)) {
            Record r;
            while ((r = master.nextRecord()) != null) {
                if (r.getType() == Type.DS || r.getType() == Type.DNSKEY) {
                    anchors.add(r);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("the DNSSEC trust anchors in " + source + " are not zone file records: "
                    + e.getMessage(), e);
        }
        if (anchors.isEmpty()) {
            throw new IOException("the DNSSEC trust anchors in " + source + " hold no DS or DNSKEY record");
        }
        return new TrustAnchors(text, anchors.get(0).getName(), source);
    }
}
