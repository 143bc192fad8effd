package dev.tern.service;

/** JDBC URLs as Tern may print them: a password in the URL is never logged nor echoed in an error. */
final class JdbcUrls {

    private JdbcUrls() {
    }

    /** The URL with the value of any {@code password} parameter replaced by {@code ***}. */
    static String withoutPassword(String url) {
        return url.replaceAll("(?i)([?&;]password=)[^&;]*", "$1***");
    }
}
