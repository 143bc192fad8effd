package dev.tern.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS server for tests, on UDP and TCP at one ephemeral port of 127.0.0.1, answering from
 * records added through its API (thread-safe: change them while it runs).
 *
 * <ul>
 *   <li>records of the asked type: NOERROR with them (CNAMEs are chased within the data,
 *       like an authoritative server; an unknown CNAME target gives NXDOMAIN with the CNAME);</li>
 *   <li>a known name without records of that type: NODATA (NOERROR, empty answer);</li>
 *   <li>an unknown name: NXDOMAIN;</li>
 *   <li>{@link #servfail(String)} names: SERVFAIL; {@link #silent(String)} names: no answer.</li>
 * </ul>
 *
 * DNSSEC (RFC 4035 §3.1), for queries with the DO bit: the answer's RRSIG records (added like any
 * other, e.g. by {@code SignedZone}) come with each RRset of the answer, and a NODATA or NXDOMAIN
 * answer carries in its authority section the SOA of the enclosing zone and the NSEC records that
 * match or cover the name or its wildcards, with their RRSIGs. Queries without DO get none of
 * that, as before.
 *
 * Every query is counted per (name, type), see {@link #queries(String, int)}. Over UDP an
 * answer that does not fit (512 octets, or the query's EDNS size) is truncated (TC) so the
 * client retries over TCP; {@link #truncateUdp(boolean)} forces that for every answer.
 */
public final class FakeDnsServer implements AutoCloseable {

    private static final long TTL = 60;
    private static final int MAX_CNAME_CHASE = 8;

    private final Object lock = new Object();
    private final Map<Name, List<Record>> zone = new HashMap<>();   // guarded by lock
    // name -> the types that fail (Type.ANY: all of them); guarded by lock
    private final Map<Name, Set<Integer>> servfail = new HashMap<>();
    private final Map<Name, Set<Integer>> silent = new HashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final AtomicInteger udpQueries = new AtomicInteger();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    private volatile boolean truncateUdp;

    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-dns");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

    private FakeDnsServer(ServerSocket tcp, DatagramSocket udp) {
        this.tcp = tcp;
        this.udp = udp;
        threads.execute(this::serveUdp);
        threads.execute(this::acceptTcp);
    }

    /** Binds TCP and UDP to the same free port on 127.0.0.1 and starts answering. */
    public static FakeDnsServer start() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        BindException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            ServerSocket tcp = new ServerSocket(0, 50, loopback);
            try {
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, tcp.getLocalPort()));
                return new FakeDnsServer(tcp, udp);
            } catch (BindException e) { // UDP port taken: try another
                last = e;
                tcp.close();
            }
        }
        throw last;
    }

    /**
     * Binds TCP and UDP to exactly {@code address} (e.g. 127.0.0.53:53 for a program that only asks
     * the resolver of /etc/resolv.conf, run with a private one naming this address).
     */
    public static FakeDnsServer startOn(InetSocketAddress address) throws IOException {
        ServerSocket tcp = new ServerSocket();
        tcp.setReuseAddress(true);
        tcp.bind(address, 50);
        try {
            return new FakeDnsServer(tcp, new DatagramSocket(address));
        } catch (IOException e) {
            tcp.close();
            throw e;
        }
    }

    /** Where to send queries (UDP and TCP). */
    public InetSocketAddress address() {
        return new InetSocketAddress(tcp.getInetAddress(), tcp.getLocalPort());
    }

    // ---- zone data -------------------------------------------------------------------

    public FakeDnsServer mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(host)));
    }

    /** RFC 7505: a single MX with preference 0 and target ".". */
    public FakeDnsServer nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, 0, Name.root));
    }

    public FakeDnsServer a(String host, String address) {
        return add(new ARecord(name(host), DClass.IN, TTL, ip(address, Address.IPv4)));
    }

    public FakeDnsServer aaaa(String host, String address) {
        return add(new AAAARecord(name(host), DClass.IN, TTL, ip(address, Address.IPv6)));
    }

    public FakeDnsServer cname(String alias, String target) {
        return add(new CNAMERecord(name(alias), DClass.IN, TTL, name(target)));
    }

    /** Makes a name known without A/AAAA/MX: those types get NODATA. */
    public FakeDnsServer txt(String name, String text) {
        return add(new TXTRecord(name(name), DClass.IN, TTL, text));
    }

    /** Any record. */
    public FakeDnsServer add(Record record) {
        synchronized (lock) {
            zone.computeIfAbsent(record.getName(), n -> new ArrayList<>()).add(record);
        }
        return this;
    }

    /** Forgets the name's records, and SERVFAIL/silence for it: it becomes NXDOMAIN. */
    public FakeDnsServer remove(String name) {
        Name n = name(name);
        synchronized (lock) {
            zone.remove(n);
            servfail.remove(n);
            silent.remove(n);
        }
        return this;
    }

    /** Removes only the name's records of one type (a {@link Type} constant). */
    public FakeDnsServer remove(String name, int type) {
        synchronized (lock) {
            List<Record> records = zone.get(name(name));
            if (records != null) {
                records.removeIf(r -> r.getType() == type);
            }
        }
        return this;
    }

    /** Every query for the name (any type) is answered SERVFAIL. */
    public FakeDnsServer servfail(String name) {
        return servfail(name, Type.ANY);
    }

    /** Queries for the name and type (a {@link Type} constant) are answered SERVFAIL. */
    public FakeDnsServer servfail(String name, int type) {
        synchronized (lock) {
            servfail.computeIfAbsent(name(name), n -> new HashSet<>()).add(type);
        }
        return this;
    }

    /** Queries for the name (any type) are never answered: clients time out. */
    public FakeDnsServer silent(String name) {
        return silent(name, Type.ANY);
    }

    /** Queries for the name and type (a {@link Type} constant) are never answered. */
    public FakeDnsServer silent(String name, int type) {
        synchronized (lock) {
            silent.computeIfAbsent(name(name), n -> new HashSet<>()).add(type);
        }
        return this;
    }

    /** When true, every UDP answer is truncated (TC) and only TCP gets the records. */
    public FakeDnsServer truncateUdp(boolean truncate) {
        this.truncateUdp = truncate;
        return this;
    }

    // ---- observations ----------------------------------------------------------------

    /** How many queries for the name and type (a {@link Type} constant) arrived, UDP and TCP. */
    public int queries(String name, int type) {
        AtomicInteger n = counts.get(key(name(name), type));
        return n == null ? 0 : n.get();
    }

    /** How many queries for the name arrived, any type. */
    public int queries(String name) {
        String prefix = name(name).toString().toLowerCase(Locale.ROOT) + "/";
        return counts.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToInt(e -> e.getValue().get())
                .sum();
    }

    public int udpQueries() {
        return udpQueries.get();
    }

    public int tcpQueries() {
        return tcpQueries.get();
    }

    public void resetCounts() {
        counts.clear();
        udpQueries.set(0);
        tcpQueries.set(0);
    }

    // ---- answering -------------------------------------------------------------------

    /** The response to a query, or null to stay silent. Package-visible for direct tests. */
    Message answer(Message query) {
        Record question = query.getQuestion();
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
            response.getHeader().setFlag(Flags.RA);
        }
        if (question == null) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return response;
        }
        response.addRecord(question, Section.QUESTION);
        counts.computeIfAbsent(key(question.getName(), question.getType()), k -> new AtomicInteger())
                .incrementAndGet();
        if (query.getHeader().getOpcode() != Opcode.QUERY || question.getDClass() != DClass.IN) {
            response.getHeader().setRcode(Rcode.NOTIMP);
            return response;
        }
        synchronized (lock) {
            Name name = question.getName();
            int type = question.getType();
            if (matches(silent, name, type)) {
                return null;
            }
            if (matches(servfail, name, type)) {
                response.getHeader().setRcode(Rcode.SERVFAIL);
                return response;
            }
            response.getHeader().setFlag(Flags.AA);
            boolean dnssec = wantsDnssec(query);
            if (dnssec) {
                response.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
            }
            for (int hop = 0; hop <= MAX_CNAME_CHASE; hop++) {
                List<Record> records = zone.get(name);
                if (records == null) {
                    // an unknown CNAME target is NXDOMAIN too, with the CNAMEs so far
                    response.getHeader().setRcode(Rcode.NXDOMAIN);
                    if (dnssec) {
                        addDenial(response, name, true);
                    }
                    return response;
                }
                List<Record> wanted = records.stream().filter(r -> r.getType() == type).toList();
                if (!wanted.isEmpty()) {
                    wanted.forEach(r -> response.addRecord(r, Section.ANSWER));
                    if (dnssec) {
                        signatures(records, type).forEach(r -> response.addRecord(r, Section.ANSWER));
                    }
                    return response;
                }
                Record alias = records.stream().filter(r -> r.getType() == Type.CNAME).findFirst().orElse(null);
                if (alias == null) {
                    if (dnssec) {
                        addDenial(response, name, false);
                    }
                    return response; // NODATA
                }
                response.addRecord(alias, Section.ANSWER);
                if (dnssec) {
                    signatures(records, Type.CNAME).forEach(r -> response.addRecord(r, Section.ANSWER));
                }
                name = ((CNAMERecord) alias).getTarget();
                if (matches(silent, name, type) || matches(servfail, name, type)) {
                    return response; // the client asks the target itself and meets the failure
                }
            }
            return response;
        }
    }

    private static boolean wantsDnssec(Message query) {
        OPTRecord opt = query.getOPT();
        return opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0;
    }

    /** The RRSIG records among a name's records that cover the type. */
    private static List<Record> signatures(List<Record> records, int type) {
        return records.stream()
                .filter(r -> r instanceof RRSIGRecord sig && sig.getTypeCovered() == type)
                .toList();
    }

    /**
     * RFC 4035 §3.1.3: the proof that a name or type does not exist, from the enclosing zone's
     * SOA and NSEC records: for NODATA the name's own NSEC, for NXDOMAIN those covering the name
     * and the wildcards that could have matched it. Nothing for names outside any zone with an SOA here.
     */
    private void addDenial(Message response, Name name, boolean nxdomain) {
        Name apex = null;
        for (Name n = name; n.labels() >= 1; n = new Name(n, 1)) {
            List<Record> records = zone.get(n);
            if (records != null && records.stream().anyMatch(r -> r instanceof SOARecord)) {
                apex = n;
                break;
            }
            if (n.equals(Name.root)) {
                break;
            }
        }
        if (apex == null) {
            return;
        }
        List<Record> apexRecords = zone.get(apex);
        apexRecords.stream().filter(r -> r instanceof SOARecord).forEach(r -> response.addRecord(r, Section.AUTHORITY));
        signatures(apexRecords, Type.SOA).forEach(r -> response.addRecord(r, Section.AUTHORITY));
        List<Name> denied = new ArrayList<>();
        denied.add(name);
        for (Name n = name; nxdomain && n.labels() > apex.labels(); n = new Name(n, 1)) {
            denied.add(wildcard(new Name(n, 1)));
        }
        for (Map.Entry<Name, List<Record>> entry : zone.entrySet()) {
            if (!entry.getKey().subdomain(apex)) {
                continue;
            }
            for (Record r : entry.getValue()) {
                if (r instanceof NSECRecord nsec && denied.stream().anyMatch(d -> matchesOrCovers(nsec, d))) {
                    response.addRecord(nsec, Section.AUTHORITY);
                    signatures(entry.getValue(), Type.NSEC).forEach(sig -> response.addRecord(sig, Section.AUTHORITY));
                }
            }
        }
    }

    private static Name wildcard(Name parent) {
        try {
            return Name.concatenate(Name.fromConstantString("*"), parent);
        } catch (NameTooLongException e) {
            return parent;
        }
    }

    /** RFC 4034 §6.1 canonical order: the NSEC is the name's own, or the name falls between owner and next. */
    private static boolean matchesOrCovers(NSECRecord nsec, Name name) {
        Name owner = nsec.getName();
        Name next = nsec.getNext();
        if (owner.equals(name)) {
            return true;
        }
        if (owner.compareTo(next) < 0) {
            return owner.compareTo(name) < 0 && name.compareTo(next) < 0;
        }
        return owner.compareTo(name) < 0 || name.compareTo(next) < 0; // the last NSEC wraps to the apex
    }

    private static boolean matches(Map<Name, Set<Integer>> failing, Name name, int type) {
        Set<Integer> types = failing.get(name);
        return types != null && (types.contains(Type.ANY) || types.contains(type));
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                udpQueries.incrementAndGet();
                Message query = parse(packet.getData(), packet.getLength());
                Message response = query == null ? null : answer(query);
                if (response != null) {
                    byte[] out = udpBytes(query, response);
                    udp.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (udp.isClosed()) {
                    return;
                }
            }
        }
    }

    private byte[] udpBytes(Message query, Message response) {
        OPTRecord opt = query.getOPT();
        int limit = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
        byte[] full = response.toWire();
        if (!truncateUdp && full.length <= limit) {
            return full;
        }
        Message truncated = new Message(response.getHeader().getID());
        truncated.getHeader().setFlag(Flags.QR);
        truncated.getHeader().setFlag(Flags.TC);
        for (int flag : new int[] {Flags.AA, Flags.RD, Flags.RA}) {
            if (response.getHeader().getFlag(flag)) {
                truncated.getHeader().setFlag(flag);
            }
        }
        truncated.getHeader().setRcode(response.getHeader().getRcode());
        truncated.addRecord(response.getQuestion(), Section.QUESTION);
        return truncated.toWire();
    }

    private void acceptTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket socket = tcp.accept();
                connections.add(socket);
                threads.execute(() -> serveTcp(socket));
            } catch (IOException e) {
                if (tcp.isClosed()) {
                    return;
                }
            }
        }
    }

    /** RFC 1035 §4.2.2: two-octet length, then the message; several per connection. */
    private void serveTcp(Socket socket) {
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (true) {
                byte[] bytes = new byte[in.readUnsignedShort()];
                in.readFully(bytes);
                tcpQueries.incrementAndGet();
                Message query = parse(bytes, bytes.length);
                Message response = query == null ? null : answer(query);
                if (response != null) {
                    byte[] wire = response.toWire();
                    synchronized (out) {
                        out.writeShort(wire.length);
                        out.write(wire);
                        out.flush();
                    }
                }
            }
        } catch (EOFException | SocketException e) {
            // client closed, or server closing
        } catch (IOException e) {
            // a broken client: drop the connection
        } finally {
            connections.remove(socket);
        }
    }

    private static Message parse(byte[] data, int length) {
        try {
            byte[] copy = new byte[length];
            System.arraycopy(data, 0, copy, 0, length);
            return new Message(copy);
        } catch (IOException e) {
            return null; // not DNS: ignore, as a real server would
        }
    }

    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }

    private static String key(Name name, int type) {
        return name.toString().toLowerCase(Locale.ROOT) + "/" + Type.string(type);
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text.toLowerCase(Locale.ROOT), Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + text, e);
        }
    }

    private static InetAddress ip(String text, int family) {
        byte[] bytes = Address.toByteArray(text, family);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IPv" + (family == Address.IPv4 ? "4" : "6") + " address: " + text);
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
