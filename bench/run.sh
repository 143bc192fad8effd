#!/usr/bin/env bash
# bench/run.sh - Tern's benchmark: the same workloads against Tern and a private Postfix,
# one after the other, repeated, with medians and spread. See bench/README.md.
#
#   bench/run.sh                              # the full run, as root (30-60 min on 2 cores)
#   QUICK=1 RUNS=1 bench/run.sh               # smoke run: fewer messages, a few minutes
#
# Options (flag or environment variable):
#   -r, --runs N          RUNS=3            repetitions; the table shows median (min-max)
#   -w, --workloads LIST  WORKLOADS="W1 W2 W3 W4 W5"
#   -p, --peers LIST      PEERS="tern postfix"
#   -q, --quick           QUICK=1           fewer messages (a smoke test; figures meaningless)
#       --no-scale        SCALE=0           skip scale.sh (10,000 idle sessions, heap vs size)
#       --no-ceiling      CEILING=0         skip ceiling.sh (fsync+rename ops/s)
#       --stop                                  stop a bench Tern / Postfix left over by a killed run
#   Also: LAT_MESSAGES (messages per latency run, default 1000), SESS_MESSAGES (W1 only:
#   sequential sessions of one message each, default 1500, QUICK 300, 0 skips them),
#   TIMEOUT (s per load, 900), STALL (s without a new delivery before giving up, 120),
#   SETTLE (s idle after a peer starts, 3), REUSE=1 (one connection per smtp-source session),
#   TERN_ARGS (extra options for tern run), POSTFIX_EXTRA (extra main.cf lines),
#   BENCH_WORK (/tmp/tern-bench).
#
# Per run, workload and peer (the peers alternate, so slow drifts of a noisy machine hit
# both alike): start the peer fresh (empty data dir, same users), wait SETTLE s, then
#   1. throughput: smtp-source sends the workload (lib/load.sh); accepted msgs/s = messages /
#      time until every smtp-source exited (every message had its 250); delivered msgs/s =
#      messages / time until the last expected file appeared in a Maildir new/;
#   2. latency: Latency.java, a separate short run right after (same sessions, size and
#      recipients, LAT_MESSAGES messages): end-of-DATA -> 250 time, p50 and p99;
#      for W1 also SESS_MESSAGES sequential sessions of one message each (Latency.java
#      --connection-per-message --sessions 1): connect -> 220, end-of-DATA -> 250 and whole
#      session (connect -> 221 to QUIT), p50 and p99;
#   3. peak RSS over 1 and 2 (not the one-message sessions), sampled every 0.25 s (Tern:
#      the java process; Postfix: the sum over the master and all its children - shared
#      libraries counted once per process, the TSV also has PSS, which splits them);
# then stop the peer. Raw numbers: bench/results/<stamp>.tsv; table: <stamp>.txt.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$BENCH_DIR/lib/peers.sh"
. "$BENCH_DIR/lib/load.sh"

RUNS=${RUNS:-3} WORKLOADS=${WORKLOADS:-W1 W2 W3 W4 W5} PEERS=${PEERS:-tern postfix}
QUICK=${QUICK:-0} SCALE=${SCALE:-1} CEILING=${CEILING:-1}
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--runs) RUNS=$2; shift 2;;
    -w|--workloads) WORKLOADS=$2; shift 2;;
    -p|--peers) PEERS=$2; shift 2;;
    -q|--quick) QUICK=1; shift;;
    --no-scale) SCALE=0; shift;;
    --no-ceiling) CEILING=0; shift;;
    --stop) tern_stop; postfix_stop; log "stopped the bench peers (if any were running)"; exit 0;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
TIMEOUT=${TIMEOUT:-900} STALL=${STALL:-120} SETTLE=${SETTLE:-3}
LAT_MESSAGES=${LAT_MESSAGES:-$([ "$QUICK" = 1 ] && echo 100 || echo 1000)}
SESS_MESSAGES=${SESS_MESSAGES:-$([ "$QUICK" = 1 ] && echo 300 || echo 1500)}
for p in $PEERS; do case "$p" in tern|postfix) ;; *) die "unknown peer $p (tern, postfix)";; esac; done

# workload W -> "messages size recipients sessions" (QUICK: a tenth of the messages)
workload() {
  local spec
  case "$1" in
    W1) spec="5000 4096 1 20";;
    W2) spec="5000 4096 1 1";;
    W3) spec="1000 102400 1 20";;
    W4) spec="2000 4096 5 20";;
    W5) spec="5000 4096 1 200";;
    *) die "unknown workload $1 (W1..W5)";;
  esac
  set -- $spec
  [ "$QUICK" = 1 ] && set -- $(( $1 / 10 )) "$2" "$3" "$4"
  echo "$@"
}
for w in $WORKLOADS; do workload "$w" >/dev/null; done

[ "$(id -u)" = 0 ] || die "run as root: the bench installs packages, creates the user $BENCH_MAILUSER and starts a private Postfix"
ensure_tools
ensure_limits
mkdir -p "$BENCH_WORK" "$BENCH_DIR/results"
build_tern

STAMP=$(date +%Y%m%d-%H%M%S)$([ "$QUICK" = 1 ] && echo -quick || true)
RESULTS=$BENCH_DIR/results
TSV=$RESULTS/$STAMP.tsv
CEIL=$RESULTS/$STAMP.ceiling.txt
exec > >(tee "$RESULTS/$STAMP.log") 2>&1

SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  tern_stop; postfix_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "Tern bench $STAMP: runs=$RUNS workloads='$WORKLOADS' peers='$PEERS' quick=$QUICK tern jar $TERN_JAR_ID"
log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r), data on $(findmnt -no SOURCE,FSTYPE --target "$BENCH_WORK" | head -1), ulimit -n $(ulimit -n)"

if [ "$CEILING" = 1 ]; then
  QUICK=$QUICK "$BENCH_DIR/ceiling.sh" "$BENCH_WORK" | tee "$CEIL"
fi

# one_run PEER WORKLOAD REP: one measurement, one TSV row
one_run() {
  local peer=$1 w=$2 rep=$3 n size r s
  read -r n size r s <<<"$(workload "$w")"
  local tmp="$BENCH_WORK/run.$peer.$w"
  rm -rf "$tmp"; mkdir -p "$tmp"

  peer_start "$peer"
  sleep "$SETTLE"; sync
  local idle; idle=$($BENCHPY mem $PEER_PIDS)
  $BENCHPY sample "$tmp/mem" 0.25 $PEER_PIDS & SAMPLER=$!
  $BENCHPY cpusnap "$tmp/cpu0"
  local load1; load1=$(cut -d' ' -f1 /proc/loadavg)

  # 1. throughput
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  drive_load "$PEER_TARGET" "$n" "$s" "$size" "$r" "$TIMEOUT" "$tmp/smtp-source.err" || rc=$?
  t1=$(date +%s.%N)
  local stall=$STALL; [ "$rc" = 0 ] || stall=10   # some messages were refused: do not wait long
  local left; left=$($PY -c "print(max(5, $TIMEOUT - ($t1 - $t0)))")
  local got; got=$($BENCHPY wait "$PEER_GLOB" $((n * r)) "$t0" "$left" "$stall")
  local files deliver_s; eval "$got"   # files= deliver_s=
  local foreign; foreign=$($BENCHPY foreign "$tmp/cpu0" "$($PY -c "print($(date +%s.%N) - $t0)")" $$ $PEER_PIDS)

  # 2. latency: a separate short run with the workload's sessions, size and recipients
  local lat lat_rc=0
  lat=$(java "$BENCH_DIR/Latency.java" --target "$PEER_TARGET" --sessions "$s" --size "$size" \
        --recipients "$r" --messages "$(( LAT_MESSAGES > s ? LAT_MESSAGES : s ))" --domain "$BENCH_DOMAIN" \
        2>"$tmp/latency.err") || lat_rc=$?
  [ "$lat_rc" = 0 ] || { log "latency client failed ($peer $w):"; head -3 "$tmp/latency.err" >&2; }

  kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=
  local peak; peak=$(cat "$tmp/mem" 2>/dev/null || echo "rss_peak_kib= pss_peak_kib= nproc_peak=")

  # 3. W1 only: one message per connection, sequential sessions (connect -> 220, end-of-DATA
  #    -> 250, connect -> 221 to QUIT); the peer is warm from the runs above
  local sess= sess_rc=0 sess_msgs=
  if [ "$w" = W1 ] && [ "$SESS_MESSAGES" -gt 0 ]; then
    sess_msgs=$SESS_MESSAGES
    sess=$(java "$BENCH_DIR/Latency.java" --target "$PEER_TARGET" --connection-per-message --sessions 1 \
           --size "$size" --recipients "$r" --messages "$SESS_MESSAGES" --domain "$BENCH_DOMAIN" \
           2>"$tmp/sessions.err") || sess_rc=$?
    [ "$sess_rc" = 0 ] || { log "one-message sessions failed ($peer $w):"; head -3 "$tmp/sessions.err" >&2; }
  fi
  peer_stop "$peer"

  local ok=1
  [ "$rc" = 0 ] && [ "$files" -ge $((n * r)) ] || ok=0
  [ "$lat_rc" = 0 ] || ok=0
  [ "$sess_rc" = 0 ] || ok=0
  local acc dlv
  acc=$($PY -c "print('%.1f' % ($n / ($t1 - $t0)) if $rc == 0 else 'nan')")
  dlv=$($PY -c "d=$deliver_s; print('%.1f' % (($files / $r) / d) if d == d and d > 0 else 'nan')")
  local lp50= lp99= lmax= ln=0 lerr=
  eval "$(tr ' ' '\n' <<<"$lat" | sed -n 's/^lat_\(p50_ms\|p99_ms\|max_ms\|n\|errors\)=/l_\1=/p')"
  lp50=${l_p50_ms:-} lp99=${l_p99_ms:-} lmax=${l_max_ms:-} ln=${l_n:-0} lerr=${l_errors:-}
  unset l_p50_ms l_p99_ms l_max_ms l_n l_errors
  local s_conn_p50_ms= s_conn_p99_ms= s_eod_p50_ms= s_eod_p99_ms= s_sess_p50_ms= s_sess_p99_ms= s_sess_n= s_sess_errors=
  eval "$(tr ' ' '\n' <<<"$sess" | sed -n 's/^\(conn_p50_ms\|conn_p99_ms\|eod_p50_ms\|eod_p99_ms\|sess_p50_ms\|sess_p99_ms\|sess_n\|sess_errors\)=/s_\1=/p')"
  local rss_peak_kib= pss_peak_kib= nproc_peak=; eval "$peak"
  local rss_kib= pss_kib= nproc=; eval "$idle"
  local foreign_cpu_pct=; eval "$foreign"

  $BENCHPY append "$TSV" stamp="$STAMP" rep="$rep" workload="$w" peer="$peer" messages="$n" size="$size" \
    recipients="$r" sessions="$s" accepted_msgs_s="$acc" delivered_msgs_s="$dlv" \
    accept_s="$($PY -c "print('%.3f' % ($t1 - $t0))")" deliver_s="$deliver_s" files="$files" \
    expected=$((n * r)) smtp_source_rc="$rc" ok="$ok" lat_p50_ms="$lp50" lat_p99_ms="$lp99" \
    lat_max_ms="$lmax" lat_n="$ln" lat_errors="$lerr" sess_messages="$sess_msgs" \
    conn_p50_ms="$s_conn_p50_ms" conn_p99_ms="$s_conn_p99_ms" eod_p50_ms="$s_eod_p50_ms" \
    eod_p99_ms="$s_eod_p99_ms" sess_p50_ms="$s_sess_p50_ms" sess_p99_ms="$s_sess_p99_ms" \
    sess_n="$s_sess_n" sess_errors="$s_sess_errors" rss_peak_kib="$rss_peak_kib" \
    pss_peak_kib="$pss_peak_kib" nproc_peak="$nproc_peak" rss_idle_kib="$rss_kib" \
    foreign_cpu_pct="$foreign_cpu_pct" loadavg1="$load1" tern_jar="$TERN_JAR_ID"
  printf '%s rep=%s %-3s %-8s accepted %8s msg/s  delivered %8s msg/s  p50 %7s ms  p99 %7s ms  peak RSS %5s MiB  %s\n' \
    "$(date +%H:%M:%S)" "$rep" "$w" "$peer" "$acc" "$dlv" "${lp50:--}" "${lp99:--}" \
    "$(( ${rss_peak_kib:-0} / 1024 ))" \
    "$([ "$ok" = 1 ] && echo "ok (other load on the machine: ${foreign_cpu_pct}% CPU)" || echo "FAILED: smtp-source rc=$rc, $files/$((n * r)) files, latency rc=$lat_rc, sessions rc=$sess_rc")"
  if [ -n "$sess_msgs" ]; then
    printf '%s rep=%s %-3s %-8s one message per connection, %s/%s sessions: connect->220 p50 %s p99 %s ms  end-of-data->250 p50 %s p99 %s ms  session p50 %s p99 %s ms\n' \
      "$(date +%H:%M:%S)" "$rep" "$w" "$peer" "${s_sess_n:-0}" "$sess_msgs" "${s_conn_p50_ms:--}" "${s_conn_p99_ms:--}" \
      "${s_eod_p50_ms:--}" "${s_eod_p99_ms:--}" "${s_sess_p50_ms:--}" "${s_sess_p99_ms:--}"
  fi
  if [ "$rc" != 0 ]; then echo "  smtp-source said:" >&2; head -3 "$tmp/smtp-source.err" >&2; fi
  return 0
}

for rep in $(seq "$RUNS"); do
  for w in $WORKLOADS; do
    for peer in $PEERS; do
      one_run "$peer" "$w" "$rep"
      sleep 1
    done
  done
done

if [ "$SCALE" = 1 ] && [[ " $PEERS " == *" tern "* ]]; then
  QUICK=$QUICK "$BENCH_DIR/scale.sh" | tee "$RESULTS/$STAMP.scale.txt"
fi

echo
echo "==== Tern bench $STAMP: $(nproc) cores, runs=$RUNS$([ "$QUICK" = 1 ] && echo ", QUICK (smoke run: figures not meaningful)" || true)"
$BENCHPY summary "$TSV" "$CEIL" | tee "$RESULTS/$STAMP.txt"
[ -f "$RESULTS/$STAMP.scale.txt" ] && { echo; grep -E '^(scale|heap)' "$RESULTS/$STAMP.scale.txt" | tee -a "$RESULTS/$STAMP.txt"; }
echo
echo "raw per-run numbers: $TSV"
