package dev.tern.http;

import static dev.tern.http.Html.csrfField;
import static dev.tern.http.Html.escape;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;

/**
 * The web page's pages, as pure functions of what they show: every value from a user, the
 * user db or the queue is escaped ({@link Html#escape}), every form carries the session's
 * CSRF token. The routes that serve them are in {@link WebPage}.
 */
final class Views {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private final HttpSettings settings;
    private final ZoneId zone;

    Views(HttpSettings settings, ZoneId zone) {
        this.settings = settings;
        this.zone = zone;
    }

    /** The local domains, in a stable order. */
    List<String> domains() {
        return settings.domains().stream().sorted().toList();
    }

    /** {@code name@domain} for each local domain. */
    List<String> addresses(String user) {
        return domains().stream().map(domain -> user + "@" + domain).toList();
    }

    String login(String loginToken, String problem, String user) {
        String body = "<div class=\"login card\"><h1>Sign in</h1>"
                + "<p class=\"muted\">Your mailbox on " + escape(settings.hostname()) + ".</p>"
                + problem(problem)
                + "<form method=\"post\" action=\"/login\">" + csrfField(loginToken)
                + "<label for=\"user\">User name</label>"
                + "<input type=\"text\" id=\"user\" name=\"user\" value=\"" + escape(user)
                + "\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus>"
                + "<label for=\"password\">Password</label>"
                + "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
                + "<div><button type=\"submit\">Sign in</button></div></form></div>";
        return Html.page("Sign in", settings.hostname(), null, Html.Section.NONE, null, body);
    }

    String mailbox(Html.Viewer viewer, OptionalLong messages, String notice) {
        StringBuilder body = new StringBuilder("<div class=\"card\"><h1>Your mailbox</h1><div class=\"grid\"><div><dl>")
                .append("<dt>User name</dt><dd><strong>").append(escape(viewer.user())).append("</strong></dd>")
                .append("<dt>Addresses</dt><dd><ul class=\"plain\">");
        addresses(viewer.user()).forEach(address ->
                body.append("<li><code>").append(escape(address)).append("</code></li>"));
        body.append("</ul></dd></dl></div>");
        if (messages.isPresent()) {
            body.append("<div><div class=\"stat\">").append(messages.getAsLong()).append("</div><div class=\"muted\">")
                    .append(messages.getAsLong() == 1 ? "message" : "messages").append(" in the mailbox</div></div>");
        }
        body.append("</div><p class=\"muted\">Read your mail with any IMAP client.</p></div>")
                .append("<div class=\"card\"><h2>Account</h2><div class=\"actions\">")
                .append("<a class=\"button\" href=\"/password\">Change password</a>")
                .append("<a class=\"button quiet-danger\" href=\"/delete\">Delete my mailbox…</a></div></div>");
        if (viewer.admin()) {
            body.append("<div class=\"card\"><h2>Administration</h2><div class=\"actions\">")
                    .append("<a class=\"button secondary\" href=\"/admin/mailboxes\">All mailboxes</a>")
                    .append("<a class=\"button secondary\" href=\"/admin/queue\">Outbound queue</a></div></div>");
        }
        return Html.page("Your mailbox", settings.hostname(), viewer, Html.Section.MAILBOX, notice, body.toString());
    }

    String password(Html.Viewer viewer, String problem) {
        String body = "<div class=\"card\"><h1>Change your password</h1>" + problem(problem)
                + "<p class=\"muted\">The new password is used for this page, the JSON API and your mail clients "
                + "(SMTP AUTH) from now on.</p>"
                + "<form method=\"post\" action=\"/password\">" + csrfField(viewer.csrfToken())
                + "<label for=\"current\">Current password</label>"
                + "<input type=\"password\" id=\"current\" name=\"current\" autocomplete=\"current-password\" required>"
                + "<label for=\"password\">New password</label>"
                + "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" required>"
                + "<label for=\"repeat\">New password, again</label>"
                + "<input type=\"password\" id=\"repeat\" name=\"repeat\" autocomplete=\"new-password\" required>"
                + "<div><button type=\"submit\">Change password</button></div></form></div>";
        return Html.page("Password", settings.hostname(), viewer, Html.Section.PASSWORD, null, body);
    }

    /** The warning before a user deletes their own mailbox. */
    String deleteOwn(Html.Viewer viewer, String problem) {
        return Html.page("Delete my mailbox", settings.hostname(), viewer, Html.Section.MAILBOX, null,
                deleteWarning(viewer, viewer.user(), "/delete", "Delete your mailbox?", "Delete my mailbox",
                        "you will be signed out and can no longer sign in.", problem));
    }

    /** The warning before an admin deletes someone's mailbox. */
    String deleteOther(Html.Viewer viewer, String user, String problem) {
        return Html.page("Delete " + user, settings.hostname(), viewer, Html.Section.MAILBOXES, null,
                deleteWarning(viewer, user, "/admin/mailboxes/" + user + "/delete",
                        "Delete the mailbox " + user + "?", "Delete mailbox " + user,
                        user + " can no longer sign in.", problem));
    }

    private String deleteWarning(Html.Viewer viewer, String user, String action, String title, String button,
                                 String signIn, String problem) {
        StringBuilder addresses = new StringBuilder();
        addresses(user).forEach(address -> addresses.append("<li><code>").append(escape(address)).append("</code></li>"));
        return "<div class=\"card warning\"><h1>" + escape(title) + "</h1>" + problem(problem)
                + "<p><strong>Mail will no longer be reachable.</strong> Once deleted:</p><ul>"
                + "<li>new mail to these addresses is refused (<code>550 5.1.1</code>, no such user):<ul>"
                + addresses + "</ul></li>"
                + "<li>the mail already in the mailbox can no longer be read with this account;</li>"
                + "<li>" + escape(signIn) + "</li></ul>"
                + "<p class=\"muted\">The files stay on the server for its administrator; this page cannot bring "
                + "them back.</p>"
                + "<form method=\"post\" action=\"" + escape(action) + "\">" + csrfField(viewer.csrfToken())
                + "<label class=\"check\"><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required>"
                + "<span>I understand that mail to " + escape(user) + " will no longer be reachable.</span></label>"
                + "<div class=\"actions\"><button class=\"danger\" type=\"submit\">" + escape(button) + "</button>"
                + "<a class=\"button secondary\" href=\"" + (action.startsWith("/admin") ? "/admin/mailboxes" : "/mailbox")
                + "\">Cancel</a></div></form></div>";
    }

    String deleted(String user) {
        String body = "<div class=\"login card\"><h1>Mailbox deleted</h1><p>The mailbox <strong>" + escape(user)
                + "</strong> is gone: mail to its addresses is refused from now on.</p>"
                + "<p><a href=\"/login\">Sign in as someone else</a></p></div>";
        return Html.page("Mailbox deleted", settings.hostname(), null, Html.Section.NONE, null, body);
    }

    /** One mailbox of the admin's list: its name and message count (when the format tells). */
    record MailboxRow(String name, OptionalLong messages) {
    }

    String mailboxes(Html.Viewer viewer, List<MailboxRow> rows, String notice) {
        StringBuilder body = new StringBuilder("<div class=\"card\"><div class=\"heading\"><h1>Mailboxes</h1>")
                .append("<a class=\"button\" href=\"/admin/mailboxes/new\">New mailbox</a></div>");
        if (rows.isEmpty()) {
            body.append("<p class=\"muted\">No mailboxes yet.</p>");
        } else {
            body.append("<table><thead><tr><th>Name</th><th>Addresses</th><th>Messages</th><th></th></tr></thead><tbody>");
            for (MailboxRow row : rows) {
                body.append("<tr><td><strong>").append(escape(row.name())).append("</strong>")
                        .append(settings.isAdmin(row.name()) ? " <span class=\"pill\">admin</span>" : "")
                        .append("</td><td>");
                addresses(row.name()).forEach(address ->
                        body.append("<code>").append(escape(address)).append("</code><br>"));
                body.append("</td><td>").append(row.messages().isPresent() ? Long.toString(row.messages().getAsLong()) : "–")
                        .append("</td><td><a class=\"button small secondary\" href=\"/admin/mailboxes/")
                        .append(escape(row.name())).append("/delete\">Delete…</a></td></tr>");
            }
            body.append("</tbody></table>");
        }
        body.append("</div>");
        return Html.page("Mailboxes", settings.hostname(), viewer, Html.Section.MAILBOXES, notice, body.toString());
    }

    String newMailbox(Html.Viewer viewer, String problem, String name, String domain) {
        StringBuilder body = new StringBuilder("<div class=\"card\"><h1>New mailbox</h1>").append(problem(problem))
                .append("<form method=\"post\" action=\"/admin/mailboxes\">").append(csrfField(viewer.csrfToken()))
                .append("<label for=\"name\">User name</label>")
                .append("<input type=\"text\" id=\"name\" name=\"name\" value=\"").append(escape(name))
                .append("\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus>")
                .append("<p class=\"hint\">a-z, 0-9 and . _ + - ; it is also the address's local part and the IMAP "
                        + "login.</p>")
                .append("<label for=\"domain\">Domain</label><select id=\"domain\" name=\"domain\">");
        for (String option : domains()) {
            body.append("<option").append(option.equals(domain) ? " selected" : "").append('>').append(escape(option))
                    .append("</option>");
        }
        body.append("</select><p class=\"hint\">The mailbox takes mail in every local domain; this one is its main "
                        + "address.</p>")
                .append("<label for=\"password\">Password</label>")
                .append("<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" required>")
                .append("<div class=\"actions\"><button type=\"submit\">Create mailbox</button>")
                .append("<a class=\"button secondary\" href=\"/admin/mailboxes\">Cancel</a></div></form></div>")
                .append(dnsRecords());
        return Html.page("New mailbox", settings.hostname(), viewer, Html.Section.MAILBOXES, null, body.toString());
    }

    /** What each local domain needs in DNS for mail to reach this host. */
    String dnsRecords() {
        StringBuilder body = new StringBuilder("<div class=\"card\"><h2>DNS records the domains need</h2>")
                .append("<p class=\"muted\">Mail finds this server through an MX record that points at its host name, "
                        + "which needs an address record (A and/or AAAA) of its own.</p>");
        for (String domain : domains()) {
            body.append("<h3>").append(escape(domain)).append("</h3><pre>").append(escape(domain))
                    .append(".  IN  MX  10  ").append(escape(settings.hostname())).append(".</pre>");
            String dkim = settings.dkimRecords().get(domain);
            if (dkim != null) {
                body.append("<p class=\"hint\">DKIM: Tern signs this domain's mail; receivers find the public key in "
                        + "this TXT record (RFC 6376 §3.6.2):</p><pre class=\"dkim\">").append(escape(dkim)).append("</pre>");
            } else {
                body.append("<p class=\"hint\">DKIM: no signing key is configured for ").append(escape(domain))
                        .append(" (<code>./tern dkim keygen</code>, then <code>--dkim-key</code>), so no TXT record "
                                + "is needed yet.</p>");
            }
        }
        for (Map.Entry<String, String> signing : new java.util.TreeMap<>(settings.dkimRecords()).entrySet()) {
            if (!settings.domains().contains(signing.getKey())) { // a From: domain Tern signs for but does not host
                body.append("<h3>").append(escape(signing.getKey())).append("</h3><p class=\"hint\">DKIM only: Tern "
                        + "signs this domain's mail but takes none for it.</p><pre class=\"dkim\">")
                        .append(escape(signing.getValue())).append("</pre>");
            }
        }
        return body.append("</div>").toString();
    }

    String queue(Html.Viewer viewer, List<QueueEntry> entries, String notice) {
        StringBuilder body = new StringBuilder("<div class=\"card\"><div class=\"heading\"><h1>Outbound queue</h1>");
        if (!entries.isEmpty()) {
            body.append("<form class=\"inline\" method=\"post\" action=\"/admin/queue/flush\">")
                    .append(csrfField(viewer.csrfToken())).append("<button type=\"submit\">Retry all now</button></form>");
        }
        body.append("</div>");
        if (entries.isEmpty()) {
            body.append("<p class=\"muted\">The queue is empty: nothing waits for a remote server.</p>");
        } else {
            body.append("<p class=\"muted\">").append(entries.size()).append(entries.size() == 1 ? " message" : " messages")
                    .append(" waiting for remote servers. Removing one drops it without a bounce.</p>")
                    .append("<table><thead><tr><th>Entry</th><th>From</th><th>Recipients</th><th></th></tr></thead><tbody>");
            for (QueueEntry entry : entries) {
                body.append("<tr><td><code>").append(escape(entry.id())).append("</code><div class=\"hint\">")
                        .append(entry.bodySize()).append(" octets</div><div class=\"hint nowrap\">arrived ")
                        .append(time(entry.arrival())).append("</div></td><td><code>")
                        .append(escape(entry.sender().bracketed())).append("</code></td><td>");
                for (RecipientState r : entry.recipients()) {
                    String status = r.status().name().toLowerCase(Locale.ROOT);
                    body.append("<div class=\"recipient\"><span class=\"pill ").append(status).append("\">").append(status)
                            .append("</span> <code>").append(escape(r.address().toString())).append("</code>")
                            .append("<div class=\"hint\">").append(r.attempts())
                            .append(r.attempts() == 1 ? " attempt" : " attempts");
                    if (r.nextAttempt() != null && !r.isFinal()) {
                        body.append(" · next <span class=\"nowrap\">").append(time(r.nextAttempt())).append("</span>");
                    }
                    body.append("</div>");
                    if (r.diagnostic() != null && !r.isFinal()) {
                        body.append("<div class=\"hint\">").append(escape(r.diagnostic())).append("</div>");
                    }
                    body.append("</div>");
                }
                body.append("</td><td><form class=\"inline\" method=\"post\" action=\"/admin/queue/")
                        .append(escape(entry.id())).append("/remove\">").append(csrfField(viewer.csrfToken()))
                        .append("<button class=\"small danger\" type=\"submit\">Remove</button></form></td></tr>");
            }
            body.append("</tbody></table>");
        }
        body.append("</div>");
        return Html.page("Queue", settings.hostname(), viewer, Html.Section.QUEUE, notice, body.toString());
    }

    String problemPage(Html.Viewer viewer, String title, String text) {
        return Html.page(title, settings.hostname(), viewer, Html.Section.NONE, null,
                "<div class=\"card\"><h1>" + escape(title) + "</h1><p>" + escape(text) + "</p>"
                        + "<p><a href=\"/\">Back to the start</a></p></div>");
    }

    private String time(Instant instant) {
        return TIME.format(instant.atZone(zone));
    }

    private static String problem(String problem) {
        return problem == null ? "" : "<div class=\"problem\" role=\"alert\">" + escape(problem) + "</div>";
    }
}
