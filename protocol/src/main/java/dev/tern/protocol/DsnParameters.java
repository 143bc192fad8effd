package dev.tern.protocol;

import java.util.Map;
import java.util.Set;

/**
 * The DSN parameters of MAIL (RET, ENVID) and RCPT (NOTIFY, ORCPT), RFC 3461 §4: checked,
 * then read into a {@link DsnRequest} or {@link RecipientDsn}. A malformed value is a
 * {@code 501 5.5.4}; a duplicate parameter never gets here (the parser refuses it).
 */
public final class DsnParameters {

    /** RFC 3461 §4.4: the ENVID parameter must not exceed 100 characters. */
    public static final int MAX_ENVID = 100;

    private DsnParameters() {
    }

    /** Whether {@code key} is a DSN parameter of MAIL. */
    static boolean isMailParameter(String key) {
        return key.equals("RET") || key.equals("ENVID");
    }

    /** The problem with a RET or ENVID value, or {@code null} when it is good. */
    static SmtpReply mailProblem(String key, String value) {
        if (key.equals("RET")) {
            return ret(value) == null ? Replies.syntax("RET=FULL|HDRS") : null;
        }
        return envid(value) == null ? Replies.syntax("ENVID=<xtext of at most " + MAX_ENVID + " characters>") : null;
    }

    /** MAIL's DSN request, from parameters already checked with {@link #mailProblem}. */
    static DsnRequest mail(Map<String, String> parameters) {
        String ret = parameters.get("RET");
        String envid = parameters.get("ENVID");
        return new DsnRequest(ret == null ? null : ret(ret), envid == null ? null : envid(envid));
    }

    /**
     * RCPT's parameters: NOTIFY and ORCPT, or the reply refusing them (555 for any other
     * parameter, 501 for a bad value).
     */
    static Checked recipient(Map<String, String> parameters) {
        Set<RecipientDsn.Notify> notify = null;
        OriginalRecipient orcpt = null;
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            switch (parameter.getKey()) {
                case "NOTIFY":
                    notify = RecipientDsn.parseNotify(parameter.getValue());
                    if (notify == null) {
                        return new Checked(null, Replies.syntax("NOTIFY=NEVER|SUCCESS,FAILURE,DELAY"));
                    }
                    break;
                case "ORCPT":
                    orcpt = OriginalRecipient.parse(parameter.getValue());
                    if (orcpt == null) {
                        return new Checked(null, Replies.syntax("ORCPT=<address-type>;<xtext of at most "
                                + OriginalRecipient.MAX_LENGTH + " characters>"));
                    }
                    break;
                default:
                    return new Checked(null, Replies.unsupportedParameter(parameter.getKey()));
            }
        }
        return new Checked(new RecipientDsn(notify, orcpt), null);
    }

    /** A recipient's DSN request, or the reply that refuses the RCPT. */
    record Checked(RecipientDsn dsn, SmtpReply problem) {
    }

    private static DsnRequest.Ret ret(String value) {
        if ("FULL".equalsIgnoreCase(value)) {
            return DsnRequest.Ret.FULL;
        }
        return "HDRS".equalsIgnoreCase(value) ? DsnRequest.Ret.HDRS : null;
    }

    /** RFC 3461 §4.4: xtext of printable ASCII, at most 100 characters. */
    private static String envid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_ENVID) {
            return null;
        }
        String decoded = XText.decode(value);
        return decoded != null && OriginalRecipient.printable(decoded) ? decoded : null;
    }
}
