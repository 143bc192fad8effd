package dev.tern.protocol.spf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.tern.protocol.AddressLiteral;

/**
 * A parsed SPF record (RFC 7208 §4.5, §12): its directives in order, and the redirect=
 * modifier. exp= is read (a second one is an error) and otherwise ignored: Tern gives no SPF
 * explanation to anyone. Unknown modifiers are ignored (§6).
 */
final class SpfRecord {

    private static final String VERSION = "v=spf1";
    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)");
    /** An argument and its optional dual-cidr-length (§5.6): "/24", "//64" or "/24//64" at the end. */
    private static final Pattern CIDR = Pattern.compile("(.*?)(?:/([0-9]{1,3}))?(?://([0-9]{1,3}))?");

    private final List<SpfMechanism> directives;
    private final String redirect;

    private SpfRecord(List<SpfMechanism> directives, String redirect) {
        this.directives = List.copyOf(directives);
        this.redirect = redirect;
    }

    List<SpfMechanism> directives() {
        return directives;
    }

    /** The redirect= domain-spec, unexpanded, or null. */
    String redirect() {
        return redirect;
    }

    /** Whether a TXT record is an SPF record (§4.5: "v=spf1" then a space or nothing). */
    static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, VERSION, 0, VERSION.length())
                && (txt.length() == VERSION.length() || txt.charAt(VERSION.length()) == ' ');
    }

    static SpfRecord parse(String txt) throws SpfSyntaxException {
        if (!isSpf(txt)) {
            throw new SpfSyntaxException("not an SPF record");
        }
        List<SpfMechanism> directives = new ArrayList<>();
        String redirect = null;
        boolean exp = false;
        for (String term : txt.substring(VERSION.length()).trim().split(" +")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher modifier = MODIFIER.matcher(term);
            if (modifier.matches()) {
                String name = modifier.group(1).toLowerCase(Locale.ROOT);
                SpfMacros.checkSyntax(modifier.group(2));
                if (name.equals("redirect")) {
                    if (redirect != null) {
                        throw new SpfSyntaxException("two redirect= modifiers"); // §6
                    }
                    redirect = domainSpec(modifier.group(2));
                } else if (name.equals("exp")) {
                    if (exp) {
                        throw new SpfSyntaxException("two exp= modifiers");
                    }
                    exp = true;
                }
                continue;
            }
            directives.add(mechanism(term));
        }
        return new SpfRecord(directives, redirect);
    }

    private static SpfMechanism mechanism(String term) throws SpfSyntaxException {
        char qualifier = '+';
        String rest = term;
        if ("+-~?".indexOf(term.charAt(0)) >= 0) {
            qualifier = term.charAt(0);
            rest = term.substring(1);
        }
        int end = 0;
        while (end < rest.length() && Character.isLetterOrDigit(rest.charAt(end))) {
            end++;
        }
        String name = rest.substring(0, end).toLowerCase(Locale.ROOT);
        String argument = rest.substring(end);
        switch (name) {
            case "all":
                requireNothing(term, argument);
                return new SpfMechanism(qualifier, SpfMechanism.Kind.ALL, null, null, 32, 128);
            case "include":
                return new SpfMechanism(qualifier, SpfMechanism.Kind.INCLUDE, requiredDomain(term, argument),
                        null, 32, 128);
            case "exists":
                return new SpfMechanism(qualifier, SpfMechanism.Kind.EXISTS, requiredDomain(term, argument),
                        null, 32, 128);
            case "ptr":
                return new SpfMechanism(qualifier, SpfMechanism.Kind.PTR, optionalDomain(term, argument),
                        null, 32, 128);
            case "a":
            case "mx":
                return withCidr(qualifier, name.equals("a") ? SpfMechanism.Kind.A : SpfMechanism.Kind.MX,
                        term, argument);
            case "ip4":
            case "ip6":
                return network(qualifier, name.equals("ip4"), term, argument);
            default:
                throw new SpfSyntaxException("unknown mechanism " + term);
        }
    }

    private static void requireNothing(String term, String argument) throws SpfSyntaxException {
        if (!argument.isEmpty()) {
            throw new SpfSyntaxException("unexpected argument in " + term);
        }
    }

    private static String requiredDomain(String term, String argument) throws SpfSyntaxException {
        if (!argument.startsWith(":") || argument.length() == 1) {
            throw new SpfSyntaxException("missing domain in " + term);
        }
        return domainSpec(argument.substring(1));
    }

    private static String optionalDomain(String term, String argument) throws SpfSyntaxException {
        return argument.isEmpty() ? null : requiredDomain(term, argument);
    }

    private static SpfMechanism withCidr(char qualifier, SpfMechanism.Kind kind, String term, String argument)
            throws SpfSyntaxException {
        Matcher cidr = CIDR.matcher(argument);
        if (!cidr.matches()) {
            throw new SpfSyntaxException("bad argument in " + term);
        }
        String domain = optionalDomain(term, cidr.group(1));
        int v4 = prefix(cidr.group(2), 32, term);
        int v6 = prefix(cidr.group(3), 128, term);
        return new SpfMechanism(qualifier, kind, domain, null, v4, v6);
    }

    private static SpfMechanism network(char qualifier, boolean ipv4, String term, String argument)
            throws SpfSyntaxException {
        if (!argument.startsWith(":")) {
            throw new SpfSyntaxException("missing address in " + term);
        }
        String text = argument.substring(1);
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        int length = ipv4 ? 32 : 128;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (!digits.matches("[0-9]{1,3}")) {
                throw new SpfSyntaxException("bad prefix length in " + term);
            }
            length = prefix(digits, ipv4 ? 32 : 128, term);
        }
        Optional<InetAddress> parsed = address.isEmpty() || (ipv4 == address.contains(":"))
                ? Optional.empty() : AddressLiteral.parse("[" + address + "]");
        if (parsed.isEmpty() || (ipv4 ? !(parsed.get() instanceof Inet4Address)
                : !(parsed.get() instanceof Inet6Address) && !address.contains(":"))) {
            throw new SpfSyntaxException("bad address in " + term);
        }
        return new SpfMechanism(qualifier, ipv4 ? SpfMechanism.Kind.IP4 : SpfMechanism.Kind.IP6, null,
                parsed.get(), ipv4 ? length : 32, ipv4 ? 128 : length);
    }

    private static int prefix(String digits, int max, String term) throws SpfSyntaxException {
        if (digits == null) {
            return max;
        }
        int length = Integer.parseInt(digits);
        if (length > max || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw new SpfSyntaxException("bad prefix length in " + term);
        }
        return length;
    }

    private static String domainSpec(String spec) throws SpfSyntaxException {
        if (spec.isEmpty()) {
            throw new SpfSyntaxException("empty domain-spec");
        }
        SpfMacros.checkSyntax(spec);
        return spec;
    }
}
