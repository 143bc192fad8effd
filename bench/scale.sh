#!/usr/bin/env bash
# bench/scale.sh - Tern only: many idle sessions, and heap against message size.
#
# 1. Sessions: a fresh Tern, then Idle.java opens SESSIONS (10,000) SMTP sessions, each idle
#    after EHLO, and holds them. Reported: Tern's RSS before and while they are held, its
#    live heap with them open (after a full GC), the time a new session takes to get its
#    greeting and to complete a 4 KiB transaction while they are open, and whether every
#    held session still answers NOOP afterwards.
# 2. Heap vs. message size: for each body size in HEAP_SIZES (4 KiB, 100 KiB, 10 MiB), a fresh
#    Tern gets a smtp-source load (20 sessions; 10 for 10 MiB) while, every second,
#    `jcmd PID GC.run` + `GC.heap_info` read the heap in use after a full GC - the live set,
#    which holds whatever Tern keeps per message in flight. Bodies stream to disk, so the
#    live heap under load should be the same for every size; a design that buffered bodies
#    would grow with size x sessions (10 sessions x 10 MiB = 100 MiB).
# Options (environment): SESSIONS=10000, HOLD=15 (s to hold before probing), PROBES=5,
#   HEAP_SIZES="4096 102400 10485760", QUICK=1 (1,000 sessions, fewer messages), BENCH_WORK.
# Needs a file-descriptor limit above SESSIONS for Tern and for the client: the soft limit
# is raised to the hard one; if that is too low, run `ulimit -Hn 65536` as root first.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$BENCH_DIR/lib/peers.sh"
. "$BENCH_DIR/lib/load.sh"
QUICK=${QUICK:-0}
SESSIONS=${SESSIONS:-$([ "$QUICK" = 1 ] && echo 1000 || echo 10000)}
HOLD=${HOLD:-$([ "$QUICK" = 1 ] && echo 3 || echo 15)}
PROBES=${PROBES:-5}
HEAP_SIZES=${HEAP_SIZES:-4096 102400 10485760}

[ "$(id -u)" = 0 ] || die "run as root (see run.sh)"
ensure_tools
ensure_limits
mkdir -p "$BENCH_WORK"
[ -n "${TERN_JAR_ID:-}" ] || build_tern
trap 'tern_stop' EXIT
trap 'exit 130' INT TERM

nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((SESSIONS + 500)) ]; then
  die "ulimit -n is $nofile, too low for $SESSIONS sessions (raise the hard limit, e.g. ulimit -Hn 65536, or set SESSIONS)"
fi

# heap_used PID: heap in use (KiB) right after a full GC
heap_used() {
  jcmd "$1" GC.run >/dev/null 2>&1 || return 1
  jcmd "$1" GC.heap_info 2>/dev/null | sed -n 's/.*heap *total [0-9]*K, used \([0-9]*\)K.*/\1/p' | head -1
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# ---- 1. idle sessions
tern_start
sleep 3
pid=$PEER_PIDS
heap0=$(heap_used "$pid")
log "scale: opening $SESSIONS idle sessions against Tern (pid $pid)"
out=$BENCH_WORK/idle.out
java -Xss256k "$BENCH_DIR/Idle.java" --target "$PEER_TARGET" --sessions "$SESSIONS" --pid "$pid" \
  --hold "$HOLD" --probes "$PROBES" --domain "$BENCH_DOMAIN" >"$out" 2>"$out.err" &
idle_pid=$!
# while they are held: Tern's live heap with every session open
for _ in $(seq 600); do grep -q '^held' "$out" && break; pid_alive "$idle_pid" || break; sleep 0.5; done
heap_held=$(heap_used "$pid" || echo "?")
rss_held=$(rss_kib "$pid")
idle_rc=0; wait "$idle_pid" || idle_rc=$?
cat "$out" >&2; [ -s "$out.err" ] && head -5 "$out.err" >&2
held=$(sed -n 's/^held sessions=\([0-9]*\).*/\1/p' "$out")
eval "$(sed -n 's/^probes .*greeting_max_ms=\([0-9.na]*\) transaction_max_ms=\([0-9.na]*\).*/gmax=\1 tmax=\2/p' "$out")"
eval "$(sed -n 's/^noop asked=\([0-9]*\) answered=\([0-9]*\).*/asked=\1 answered=\2/p' "$out")"
rss_before=$(sed -n 's/^before server_rss_kib=\([0-9]*\).*/\1/p' "$out")
prompt=no
awk -v g="${gmax:-nan}" -v t="${tmax:-nan}" 'BEGIN {exit !(g + 0 < 1000 && t + 0 < 1000 && g != "nan")}' && prompt=yes
echo "scale: $held/$SESSIONS idle sessions held (Idle.java rc=$idle_rc); Tern RSS $(mib "$rss_before") MiB before -> $(mib "$rss_held") MiB held ($(awk -v a="$rss_held" -v b="$rss_before" -v n="${held:-0}" 'BEGIN {if (n > 0) printf "%.1f", (a - b) / n; else print "?"}') KiB/session); live heap after GC $(mib "${heap0:-0}") -> $(mib "${heap_held:-0}") MiB"
echo "scale: with them open, a new session got its greeting in <= ${gmax:-?} ms and a 4 KiB transaction done in <= ${tmax:-?} ms (max of $PROBES probes; prompt (<1 s): $prompt); held sessions answering NOOP afterwards: ${answered:-?}/${asked:-?}"
tern_stop

# ---- 2. heap vs. message size
for size in $HEAP_SIZES; do
  case "$size" in
    4096) n=2000 s=20;;
    102400) n=1000 s=20;;
    *) n=50 s=10;;
  esac
  [ "$QUICK" = 1 ] && n=$(( n / 5 ))
  tern_start
  sleep 2
  pid=$PEER_PIDS
  idle_heap=$(heap_used "$pid")
  tmp=$BENCH_WORK/heap.$size; rm -rf "$tmp"; mkdir -p "$tmp"
  $BENCHPY sample "$tmp/mem" 0.25 "$pid" & sampler=$!
  drive_load "$PEER_TARGET" "$n" "$s" "$size" 1 600 "$tmp/err" & load=$!
  # sample the live heap once a second while the load runs
  peak_live=0 samples=0
  while pid_alive "$load"; do
    h=$(heap_used "$pid" || true)
    if [ -n "$h" ]; then samples=$((samples + 1)); [ "$h" -gt "$peak_live" ] && peak_live=$h; fi
    sleep 1
  done
  rc=0; wait "$load" || rc=$?
  after=$(heap_used "$pid")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  rss_peak_kib=0; eval "$(cat "$tmp/mem")"
  tern_stop
  echo "heap: body $(printf '%8d' "$size") B, $n msgs x $s sessions (smtp-source rc=$rc): live heap after GC idle $(mib "$idle_heap") MiB, under load max $(mib "$peak_live") MiB ($samples samples), after $(mib "$after") MiB; peak RSS $(mib "$rss_peak_kib") MiB"
done
