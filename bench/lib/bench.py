#!/usr/bin/python3
"""Helpers for Tern's benchmark (stdlib only; run with /usr/bin/python3).

  wait GLOB EXPECTED T0 TIMEOUT STALL
      Poll the directories matched by GLOB (the peers' <user>/new/) every 50 ms until they hold
      EXPECTED entries, TIMEOUT s have passed, or the count has not grown for STALL s. Prints
      files= and deliver_s=: the newest file's ctime minus T0 (epoch seconds). A rename into
      new/ sets the file's ctime, so this is when the last delivery landed, independent of the
      polling interval.
  sample OUTFILE INTERVAL PID...
      Until SIGTERM, every INTERVAL s sum RSS and PSS over the PIDs and all their descendants
      (Postfix is a master plus many children; Tern is one java process) and keep the peaks
      in OUTFILE as rss_peak_kib= pss_peak_kib= nproc_peak=.
  mem PID...            the same sums once: rss_kib= pss_kib= nproc=
  cpusnap OUTFILE       CPU ticks of every process now (for `foreign`)
  foreign SNAPFILE SECS PID...
      CPU used since SNAPFILE by processes outside the PIDs' trees (other work on the machine),
      in % of all cores: foreign_cpu_pct=. Runs with a high value were disturbed.
  append TSV key=value...
      Append one row to TSV (header written when the file is new; column order = COLUMNS).
  summary TSV [CEILING_FILE]
      The per-workload table: median and min-max over the runs, Tern/Postfix ratio of medians;
      a line with the accepted msg/s ratios of all workloads; and, when the rows have them,
      the one-message-per-connection table (connect->220, end-of-data->250, whole session).
"""
import glob
import json
import os
import signal
import statistics
import sys
import time

COLUMNS = [
    "stamp", "rep", "workload", "peer", "messages", "size", "recipients", "sessions",
    "accepted_msgs_s", "delivered_msgs_s", "accept_s", "deliver_s", "files", "expected",
    "smtp_source_rc", "ok", "lat_p50_ms", "lat_p99_ms", "lat_max_ms", "lat_n", "lat_errors",
    # W1 only: sequential sessions of one message each (Latency.java --connection-per-message)
    "sess_messages", "conn_p50_ms", "conn_p99_ms", "eod_p50_ms", "eod_p99_ms",
    "sess_p50_ms", "sess_p99_ms", "sess_n", "sess_errors",
    "rss_peak_kib", "pss_peak_kib", "nproc_peak", "rss_idle_kib",
    "foreign_cpu_pct", "loadavg1", "tern_jar",
]


def dirs_of(pattern):
    return sorted(d for d in glob.glob(pattern) if os.path.isdir(d))


def count(dirs):
    n = 0
    for d in dirs:
        try:
            with os.scandir(d) as it:
                n += sum(1 for _ in it)
        except FileNotFoundError:
            pass
    return n


def wait(pattern, expected, t0, timeout, stall):
    dirs = dirs_of(pattern)
    if not dirs:
        sys.exit("bench.py wait: no directory matches " + pattern)
    deadline = time.time() + timeout
    last_n, last_change = -1, time.time()
    while True:
        n = count(dirs)
        now = time.time()
        if n != last_n:
            last_n, last_change = n, now
        if n >= expected or now >= deadline or now - last_change >= stall:
            break
        time.sleep(0.05)
    newest = None
    files = 0
    for d in dirs:
        with os.scandir(d) as it:
            for e in it:
                try:
                    c = e.stat(follow_symlinks=False).st_ctime
                except FileNotFoundError:
                    continue
                files += 1
                newest = c if newest is None or c > newest else newest
    deliver_s = (newest - t0) if newest else float("nan")
    print("files=%d deliver_s=%.3f" % (files, deliver_s))


def children_map():
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    s = f.read()
                kids.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def tree(pids):
    kids = children_map()
    seen, todo = set(), list(pids)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(kids.get(p, []))
    return seen


def mem(pids):
    rss = pss = n = 0
    for p in tree(pids):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            n += 1
        except OSError:
            pass
    return rss, pss, n


def sample(out, interval, pids):
    peak = [0, 0, 0]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        peak = [max(a, b) for a, b in zip(peak, mem(pids))]
        with open(out + ".tmp", "w") as f:
            f.write("rss_peak_kib=%d pss_peak_kib=%d nproc_peak=%d\n" % tuple(peak))
        os.replace(out + ".tmp", out)
        time.sleep(interval)


CLK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


def cpusnap():
    snap = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    fl = f.read().rsplit(")", 1)[1].split()
                snap[p] = [int(fl[11]) + int(fl[12]), fl[19]]  # utime+stime, start time
            except (OSError, ValueError, IndexError):
                pass
    return snap


def foreign(snap0, secs, pids):
    mine = tree(list(pids) + [2]) | {os.getpid()}  # pid 2 = kthreadd: kernel threads
    ticks = 0
    for p, (t, start) in cpusnap().items():
        if int(p) not in mine:
            old = snap0.get(p)
            ticks += t - (old[0] if old and old[1] == start else 0)
    return 100.0 * ticks / CLK / max(secs, 1e-3) / NCPU


def append(path, pairs, columns=COLUMNS):
    row = dict(p.split("=", 1) for p in pairs)
    unknown = set(row) - set(columns)
    if unknown:
        sys.exit("bench.py append: unknown columns " + ",".join(sorted(unknown)))
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write("\t".join(columns) + "\n")
        f.write("\t".join(row.get(c, "") for c in columns) + "\n")


def num(s):
    try:
        v = float(s)
        return None if v != v else v
    except ValueError:
        return None


def size_text(b):
    for unit, n in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= n and b % n == 0:
            return "%d %s" % (b // n, unit)
    return "%d B" % b


def cell(vals, fmt):
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt % med
    return (fmt + " (" + fmt + "-" + fmt + ")") % (med, min(vals), max(vals))


def peer_table(out, rows, peers, metrics, min_width):
    """Appends to out one line per peer (median (min-max) of each metric over the rows with
    ok=1) and, with both peers, the tern/pf ratio of the medians; returns the medians."""
    widths = [8] + [max(len(m[1]), min_width) for m in metrics]
    out.append("  " + "peer".ljust(widths[0]) + "".join(m[1].rjust(wd + 2) for m, wd in zip(metrics, widths[1:])))
    meds = {}
    for p in peers:
        pr = [r for r in rows if r["peer"] == p]
        if not pr:
            continue
        ok = [r for r in pr if r["ok"] == "1"]
        cells = []
        for key, _, scale, fmt in metrics:
            vals = [num(r[key]) * scale for r in ok if num(r[key]) is not None]
            meds[(p, key)] = statistics.median(vals) if vals else None
            cells.append(cell(vals, fmt))
        failed = len(pr) - len(ok)
        line = "  " + p.ljust(widths[0]) + "".join(c.rjust(wd + 2) for c, wd in zip(cells, widths[1:]))
        out.append(line + ("   [%d failed run(s) left out]" % failed if failed else ""))
    if "tern" in peers and "postfix" in peers:
        cells = []
        for key, _, _, _ in metrics:
            a, b = meds.get(("tern", key)), meds.get(("postfix", key))
            cells.append("%.2fx" % (a / b) if a is not None and b else "-")
        out.append("  " + "tern/pf".ljust(widths[0]) + "".join(c.rjust(wd + 2) for c, wd in zip(cells, widths[1:])))
    return meds


def summary(path, ceiling=None):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    order, peers = [], []
    for r in rows:
        if r["workload"] not in order:
            order.append(r["workload"])
        if r["peer"] not in peers:
            peers.append(r["peer"])
    metrics = [("accepted_msgs_s", "accepted msg/s", 1.0, "%.0f"),
               ("delivered_msgs_s", "delivered msg/s", 1.0, "%.0f"),
               ("lat_p50_ms", "p50 ms", 1.0, "%.2f"),
               ("lat_p99_ms", "p99 ms", 1.0, "%.2f"),
               ("rss_peak_kib", "peak RSS MiB", 1 / 1024.0, "%.0f"),
               ("pss_peak_kib", "peak PSS MiB", 1 / 1024.0, "%.0f")]

    out = []
    ratio_meds = {}
    if ceiling and os.path.exists(ceiling):
        with open(ceiling) as f:
            out.append("Storage ceiling (write 4 KiB + fsync + rename + fsync dir): "
                       + " | ".join(l.strip().replace("storage ceiling, ", "") for l in f if l.strip()))
        out.append("")
    for w in order:
        wr = [r for r in rows if r["workload"] == w]
        r0 = wr[0]
        runs = ", ".join("%s %d" % (p, sum(1 for r in wr if r["peer"] == p)) for p in peers)
        out.append("%s: %s msgs x %s x %s rcpt, %s session%s - median (min-max) over runs (%s)" % (
            w, r0["messages"], size_text(int(r0["size"])), r0["recipients"], r0["sessions"],
            "" if r0["sessions"] == "1" else "s", runs))
        meds = peer_table(out, wr, peers, metrics, 15)
        for p in peers:
            ratio_meds[(w, p)] = meds.get((p, "accepted_msgs_s"))
        out.append("")
    if "tern" in peers and "postfix" in peers:
        cells = []
        for w in order:
            a, b = ratio_meds.get((w, "tern")), ratio_meds.get((w, "postfix"))
            cells.append("%s %s" % (w, "%.2fx" % (a / b) if a is not None and b else "-"))
        out.append("accepted msg/s, tern/postfix (ratio of medians): " + "   ".join(cells))
        out.append("")
    sr = [r for r in rows if (num(r.get("sess_messages") or "") or 0) > 0]   # W1 rows that ran them
    if sr:
        r0 = sr[0]
        runs = ", ".join("%s %d" % (p, sum(1 for r in sr if r["peer"] == p)) for p in peers)
        out.append("One message per connection, after %s: %s sequential sessions x %s x %s rcpt, "
                   "latency ms - median (min-max) over runs (%s)" % (
                       "/".join(sorted({r["workload"] for r in sr})), r0["sess_messages"],
                       size_text(int(r0["size"])), r0["recipients"], runs))
        peer_table(out, sr, peers, [
            ("conn_p50_ms", "connect->220 p50", 1.0, "%.2f"),
            ("conn_p99_ms", "connect->220 p99", 1.0, "%.2f"),
            ("eod_p50_ms", "end-of-data->250 p50", 1.0, "%.2f"),
            ("eod_p99_ms", "end-of-data->250 p99", 1.0, "%.2f"),
            ("sess_p50_ms", "session p50", 1.0, "%.2f"),
            ("sess_p99_ms", "session p99", 1.0, "%.2f")], 20)
        out.append("  connect->220: TCP connect to the complete greeting; end-of-data->250: final dot to its reply;")
        out.append("  session: connect to the 221 reply to QUIT (greeting, EHLO, MAIL, RCPT, DATA, body, QUIT).")
        out.append("")
    out.append("tern/pf = ratio of medians: above 1 is better for rates, below 1 is better for latency and memory.")
    out.append("RSS sums every process's resident pages (Postfix: ~30 processes, each counting the shared")
    out.append("libraries again); PSS divides shared pages among the processes that map them.")
    print("\n".join(out))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "wait":
        wait(a[0], int(a[1]), float(a[2]), float(a[3]), float(a[4]))
    elif cmd == "sample":
        sample(a[0], float(a[1]), [int(x) for x in a[2:]])
    elif cmd == "mem":
        print("rss_kib=%d pss_kib=%d nproc=%d" % mem([int(x) for x in a]))
    elif cmd == "cpusnap":
        with open(a[0], "w") as f:
            json.dump(cpusnap(), f)
    elif cmd == "foreign":
        with open(a[0]) as f:
            snap0 = json.load(f)
        print("foreign_cpu_pct=%.0f" % foreign(snap0, float(a[1]), [int(x) for x in a[2:]]))
    elif cmd == "append":
        append(a[0], a[1:])
    elif cmd == "summary":
        summary(a[0], a[1] if len(a) > 1 else None)
    else:
        sys.exit("bench.py: unknown subcommand " + cmd)


if __name__ == "__main__":
    main()
