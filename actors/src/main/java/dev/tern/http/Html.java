package dev.tern.http;

/**
 * HTML text: escaping, and the frame every page shares (header, navigation, one inline
 * style sheet; no script, no external asset). Every text that did not come from this file
 * goes through {@link #escape}; a page's Content-Security-Policy forbids scripts anyway.
 */
final class Html {

    /** Who is looking at a page, and the token each of its forms carries. */
    record Viewer(String user, boolean admin, String csrfToken) {
    }

    /** The navigation entries; {@code NONE} for pages outside it (login, errors). */
    enum Section { NONE, MAILBOX, PASSWORD, MAILBOXES, QUEUE }

    private Html() {
    }

    /** Text for element content and double- or single-quoted attribute values. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The hidden field every form posts back, checked against the session's token. */
    static String csrfField(String token) {
        return "<input type=\"hidden\" name=\"" + WebPage.CSRF_FIELD + "\" value=\"" + escape(token) + "\">";
    }

    /** A whole page: the header names the host; navigation and sign-out only for a signed-in viewer. */
    static String page(String title, String hostname, Viewer viewer, Section current, String notice, String body) {
        StringBuilder html = new StringBuilder(4096);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(escape(title)).append(" · Tern</title><style>").append(STYLE)
                .append("</style></head><body><header><div class=\"bar\"><a class=\"brand\" href=\"/\">Tern")
                .append("<small>").append(escape(hostname)).append("</small></a>");
        if (viewer != null) {
            html.append("<nav>");
            navLink(html, "/mailbox", "My mailbox", current == Section.MAILBOX);
            navLink(html, "/password", "Password", current == Section.PASSWORD);
            if (viewer.admin()) {
                navLink(html, "/admin/mailboxes", "Mailboxes", current == Section.MAILBOXES);
                navLink(html, "/admin/queue", "Queue", current == Section.QUEUE);
            }
            html.append("</nav><div class=\"who\"><span>Signed in as <strong>").append(escape(viewer.user()))
                    .append("</strong>").append(viewer.admin() ? " (admin)" : "").append("</span>")
                    .append("<form class=\"inline\" method=\"post\" action=\"/logout\">").append(csrfField(viewer.csrfToken()))
                    .append("<button class=\"link\" type=\"submit\">Sign out</button></form></div>");
        }
        html.append("</div></header><main>");
        if (notice != null && !notice.isEmpty()) {
            html.append("<div class=\"flash\" role=\"status\">").append(escape(notice)).append("</div>");
        }
        return html.append(body).append("</main></body></html>\n").toString();
    }

    private static void navLink(StringBuilder html, String href, String text, boolean current) {
        html.append("<a href=\"").append(href).append('"').append(current ? " class=\"current\" aria-current=\"page\"" : "")
                .append('>').append(text).append("</a>");
    }

    private static final String STYLE = """
            :root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--accent:#0b7285;--accent-dark:#095c6b;\
            --danger:#c92a2a;--danger-bg:#fff5f5;--ok:#2b8a3e;--ok-bg:#ebfbee}
            *{box-sizing:border-box}
            body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;\
            color:var(--ink);background:var(--bg)}
            header{background:#102a43;color:#fff}
            header .bar{max-width:980px;margin:0 auto;padding:.8rem 1.25rem;display:flex;align-items:center;gap:1.75rem;\
            flex-wrap:wrap}
            .brand{font-weight:700;font-size:1.25rem;color:#fff;text-decoration:none;letter-spacing:.02em}
            .brand small{font-weight:400;color:#9fb3c8;margin-left:.6rem;font-size:.85rem}
            nav a{color:#d9e2ec;text-decoration:none;margin-right:1.1rem;padding:.3rem 0;border-bottom:2px solid transparent}
            nav a.current,nav a:hover{color:#fff;border-bottom-color:#4fd1c5}
            .who{margin-left:auto;display:flex;align-items:center;gap:.8rem;color:#bcccdc;font-size:.9rem}
            .who strong{color:#fff}
            main{max-width:980px;margin:2rem auto;padding:0 1.25rem}
            .card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1.5rem 1.75rem;margin-bottom:1.5rem;\
            box-shadow:0 1px 3px rgba(16,42,67,.06)}
            h1{font-size:1.55rem;margin:0 0 1rem}
            h2{font-size:1.15rem;margin:0 0 .75rem}
            p{margin:.5rem 0}
            label{display:block;font-weight:600;margin:1rem 0 .3rem}
            label.check{font-weight:400;display:flex;gap:.5rem;align-items:flex-start}
            input[type=text],input[type=password],select{width:100%;max-width:26rem;padding:.55rem .7rem;\
            border:1px solid #cbd2d9;border-radius:6px;font:inherit;background:#fff}
            input:focus,select:focus{outline:2px solid #4fd1c5;border-color:var(--accent)}
            .hint{color:var(--muted);font-size:.9rem;margin:.25rem 0 0}
            .recipient{margin-bottom:.6rem}
            .recipient:last-child{margin-bottom:0}
            .nowrap{white-space:nowrap}
            button,.button{display:inline-block;margin-top:1.2rem;padding:.55rem 1.15rem;border:0;border-radius:6px;\
            background:var(--accent);color:#fff;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
            button:hover,.button:hover{background:var(--accent-dark)}
            a{color:var(--accent)}
            .danger{background:var(--danger)}
            .danger:hover{background:#a61e1e}
            .button.quiet-danger{background:#fff;color:var(--danger);border:1px solid #ffa8a8}
            .button.quiet-danger:hover{background:var(--danger-bg)}
            .secondary{background:#e4e7eb;color:var(--ink)}
            .secondary:hover{background:#cbd2d9}
            button.small,.button.small{margin:0;padding:.3rem .75rem;font-size:.9rem}
            button.link{background:none;color:#d9e2ec;padding:0;margin:0;font-weight:400;text-decoration:underline}
            .actions{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
            .actions .button,.actions button{margin-top:0}
            .heading{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap;margin-bottom:1rem}
            .heading h1{margin:0}
            table{width:100%;border-collapse:collapse}
            th,td{text-align:left;padding:.65rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
            th{font-size:.78rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
            tr:last-child td{border-bottom:0}
            .muted{color:var(--muted)}
            .flash{padding:.8rem 1.1rem;border-radius:8px;margin-bottom:1.5rem;background:var(--ok-bg);color:var(--ok);\
            border:1px solid #b2f2bb}
            .problem{padding:.8rem 1.1rem;border-radius:8px;margin:0 0 1rem;background:var(--danger-bg);color:var(--danger);\
            border:1px solid #ffc9c9}
            .warning{border-left:6px solid var(--danger)}
            .warning h1{color:var(--danger)}
            code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
            pre{background:#f0f4f8;padding:.8rem 1rem;border-radius:6px;overflow-x:auto;margin:.5rem 0}
            .login{max-width:27rem;margin:4rem auto}
            .pill{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.78rem;font-weight:600;\
            background:#e4e7eb;text-transform:lowercase}
            .pill.deferred{background:#fff3bf;color:#8d6e00}
            .pill.failed{background:#ffe3e3;color:var(--danger)}
            .pill.delivered{background:#d3f9d8;color:var(--ok)}
            .stat{font-size:2.2rem;font-weight:700;line-height:1.1}
            .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1.5rem}
            dl{display:grid;grid-template-columns:max-content 1fr;gap:.45rem 1.5rem;margin:0}
            dt{color:var(--muted)}
            dd{margin:0}
            ul.plain{list-style:none;margin:0;padding:0}
            form.inline{display:inline;margin:0}
            """;
}
