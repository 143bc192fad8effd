#!/usr/bin/python3
"""Helpers for bench/cluster.sh (stdlib only; run with /usr/bin/python3). Shares bench.py's.

  cputicks PID...        CPU time (user + system) of the PIDs and all their descendants, live or
                         reaped, in ms: cpu_ms=
  append TSV key=value...
                         Append one row to TSV (header written when the file is new; column
                         order = COLUMNS).
  summary TSV            The table: one row per case (1 node file queue, 1 node --queue-db,
                         3 nodes --queue-db), median (min-max) over the runs that passed.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (tree, num, append)

COLUMNS = [
    "stamp", "rep", "case", "nodes", "queue", "messages", "size", "sessions", "domains",
    "accepted_msgs_s", "relayed_msgs_s", "accept_s", "relay_s", "files", "expected",
    "smtp_source_rc", "ok",
    # peak RSS of each node (KiB, comma-separated in node order) and of PostgreSQL's processes
    "rss_peak_kib", "pg_rss_peak_kib", "pg_pss_peak_kib",
    # CPU over the measured load, per message: all Tern nodes together; PostgreSQL
    "tern_cpu_ms_msg", "pg_cpu_ms_msg",
    # PostgreSQL's pg_stat_database over the load, per message: connections opened, commits
    "pg_sessions_msg", "pg_commits_msg",
    "foreign_cpu_pct", "loadavg1", "tern_jar",
]

CASES = {"file1": (1, "file"), "db1": (1, "db"), "db3": (3, "db")}
LABEL = {"file": "files (--queue-dir)", "db": "PostgreSQL (--queue-db)"}


def cputicks(pids):
    clk = os.sysconf("SC_CLK_TCK")
    ticks = 0
    for p in bench.tree(pids):
        try:
            with open("/proc/%d/stat" % p) as f:
                s = f.read()
            fields = s[s.rindex(")") + 2:].split()
            # utime, stime, and cutime, cstime: children it has reaped (PostgreSQL's postmaster
            # reaps a backend per connection, which would otherwise take its CPU time with it)
            ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, ValueError, IndexError):
            pass
    return 1000.0 * ticks / clk


def med(rows, key, scale=1.0):
    vals = [bench.num(r[key]) for r in rows]
    vals = [v * scale for v in vals if v is not None]
    if not vals:
        return "-"
    m = statistics.median(vals)
    fmt = "%.0f" if m >= 100 else "%.1f"
    if len(vals) == 1:
        return fmt % m
    return (fmt + " (" + fmt + "-" + fmt + ")") % (m, min(vals), max(vals))


def node_rss(rows):
    """Peak RSS per node in MiB: the median over the runs of each node's peak, 'a / b / c'."""
    per = {}
    for r in rows:
        for i, v in enumerate(x for x in r["rss_peak_kib"].split(",") if x):
            per.setdefault(i, []).append(int(v) / 1024.0)
    return " / ".join("%.0f" % statistics.median(per[i]) for i in sorted(per)) or "-"


def summary(path):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    if not rows:
        print("no rows in " + path)
        return
    first = rows[0]
    out = ["%s x %s B, %s sessions split over the nodes, %s destination domains (one sink each); "
           "median (min-max) of the runs that passed" % (first["messages"], first["size"], first["sessions"],
                                                          first["domains"]), ""]
    out.append("| nodes | queue | runs ok | accepted msg/s | relayed msg/s | peak RSS per node MiB "
               "| PostgreSQL peak RSS / PSS MiB | Tern CPU ms/msg | PostgreSQL CPU ms/msg "
               "| PostgreSQL connections / commits per msg |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for case in CASES:
        all_rows = [r for r in rows if r["case"] == case]
        if not all_rows:
            continue
        ok = [r for r in all_rows if r["ok"] == "1"]
        nodes, queue = CASES[case]
        pg = "-" if queue == "file" else "%s / %s" % (med(ok, "pg_rss_peak_kib", 1 / 1024.0),
                                                     med(ok, "pg_pss_peak_kib", 1 / 1024.0))
        db = queue != "file"
        out.append("| %d | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s |" % (
            nodes, LABEL[queue], len(ok), len(all_rows), med(ok, "accepted_msgs_s"), med(ok, "relayed_msgs_s"),
            node_rss(ok), pg, med(ok, "tern_cpu_ms_msg"), med(ok, "pg_cpu_ms_msg") if db else "-",
            "%s / %s" % (med(ok, "pg_sessions_msg"), med(ok, "pg_commits_msg")) if db else "-"))
    failed = [r for r in rows if r["ok"] != "1"]
    for r in failed:
        out.append("FAILED: rep %s %s: smtp-source rc=%s, %s/%s at the sink" % (
            r["rep"], r["case"], r["smtp_source_rc"], r["files"], r["expected"]))
    foreign = [bench.num(r["foreign_cpu_pct"]) for r in rows]
    foreign = [v for v in foreign if v is not None]
    if foreign:
        out.append("")
        out.append("other load on the machine during the runs: %.0f-%.0f %% CPU" % (min(foreign), max(foreign)))
    print("\n".join(out))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "cputicks":
        print("cpu_ms=%.0f" % cputicks([int(x) for x in a]))
    elif cmd == "append":
        bench.append(a[0], a[1:], COLUMNS)
    elif cmd == "summary":
        summary(a[0])
    else:
        sys.exit("cluster.py: unknown subcommand " + cmd)


if __name__ == "__main__":
    main()
