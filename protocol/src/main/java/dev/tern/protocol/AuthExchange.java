package dev.tern.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An RFC 4954 AUTH exchange in progress: which mechanism, and what the client has said so
 * far. Lines the client sends while one is open are responses, not commands.
 *
 * @param mechanism {@code PLAIN} or {@code LOGIN}
 * @param username  the LOGIN user name once given, else {@code null}
 */
public record AuthExchange(Mechanism mechanism, String username) {

    public enum Mechanism { PLAIN, LOGIN }

    /** User name and password as the client gave them; never logged. */
    public record Credentials(String username, byte[] password) {
        @Override
        public String toString() {
            return "Credentials[" + username + ", password redacted]";
        }
    }

    /** RFC 4954 §4: the client cancels an exchange with a lone "*". */
    static boolean isCancel(String line) {
        return line.equals("*");
    }

    /** Base64 of a client response; "=" stands for an empty initial response (§4). */
    static byte[] decode(String response) {
        if (response.equals("=")) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(response);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * RFC 4616 PLAIN: {@code [authzid] NUL authcid NUL passwd}. An authorization identity
     * other than the user's own is refused: nobody may act as another user here.
     *
     * @return the credentials, or {@code null} if the message is malformed
     */
    static Credentials plain(byte[] message) {
        int first = indexOf(message, 0);
        int second = first < 0 ? -1 : indexOf(message, first + 1);
        if (second < 0 || indexOf(message, second + 1) >= 0) {
            return null;
        }
        String authzid = new String(message, 0, first, StandardCharsets.UTF_8);
        String authcid = new String(message, first + 1, second - first - 1, StandardCharsets.UTF_8);
        byte[] password = java.util.Arrays.copyOfRange(message, second + 1, message.length);
        if (authcid.isEmpty() || (!authzid.isEmpty() && !authzid.equals(authcid))) {
            return null;
        }
        return new Credentials(authcid, password);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
