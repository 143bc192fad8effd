#!/usr/bin/env bash
# bench/cluster.sh - relaying throughput of one Tern node against three (issue 11's cluster
# mode), with today's file queue as the reference. See bench/README.md and SCALING.md.
#
#   bench/cluster.sh                      # as root: 3 cases x RUNS, a few minutes per run
#   QUICK=1 bench/cluster.sh              # smoke run: a tenth of the messages
#
# Options (flag or environment variable):
#   -r, --runs N          RUNS=1            repetitions; the table shows median (min-max)
#   -c, --cases LIST      CASES="file1 db1 db3"
#                           file1: 1 node, file queue (no --queue-db), today's single process
#                           db1:   1 node in cluster mode (--cluster-bind, --queue-db)
#                           db3:   3 nodes in one cluster, one PostgreSQL
#                           ceiling: nothing but PostgreSQL's ceiling (below)
#   -q, --quick           QUICK=1           a tenth of the messages (figures meaningless)
#   Also: MESSAGES (3000), SIZE (body bytes, 4096), SESSIONS (20, split over the nodes),
#   DOMAINS (destination domains, one smtp-sink each, 10), WARMUP (messages relayed and
#   discarded before each measurement, 500), TIMEOUT (s per load, 900), STALL (s without a
#   new message at the sink before giving up, 60), TERN_ARGS (extra options for every node),
#   PG_CEILING=0 (skip the PostgreSQL ceiling: pgbench, the shape of an enqueue without Tern,
#   1 and 8 connections, 10 s each, and connections per second when each is new),
#   PG_AUTH (PostgreSQL's authentication on 127.0.0.1: scram-sha-256; trust for a comparison),
#   BENCH_WORK (/tmp/tern-bench).
#
# Per run and case: a fresh PostgreSQL for the --queue-db cases (lib/postgres.sh: initdb in
# $BENCH_WORK/cluster/pg, 127.0.0.1, a free port, fsync on), fresh nodes (own --data-dir, one
# shared --mail-root), WARMUP messages relayed first, then the load: smtp-source sends
# MESSAGES messages to the nodes' outbound (relaying) listeners, each node getting its share
# of messages and sessions at the same time, one recipient each, spread over DOMAINS address
# literals [127.0.0.2].. [127.0.0.(DOMAINS+1)]; each is an smtp-sink on that address and
# port 3700 (Tern's --remote-port), dumping every message into one directory.
#   accepted msg/s = messages / time until every smtp-source exited (all had their 250);
#   relayed msg/s  = messages / time until the last one was written at the sink;
#   peak RSS of each node's java process and of PostgreSQL (all its processes), sampled every
#   0.25 s over the load; CPU time of the nodes and of PostgreSQL over the load, per message.
# Everything listens on 127.0.0.1/8 only. The whole run holds flock /tmp/mvn.lock (the
# machine's build lock: never alongside a build). Raw numbers: bench/results/<stamp>-cluster.tsv,
# table: <stamp>-cluster.txt.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$BENCH_DIR/lib/load.sh"
. "$BENCH_DIR/lib/postgres.sh"

RUNS=${RUNS:-1} CASES=${CASES:-file1 db1 db3} QUICK=${QUICK:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--runs) RUNS=$2; shift 2;;
    -c|--cases) CASES=$2; shift 2;;
    -q|--quick) QUICK=1; shift;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "cluster.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
MESSAGES=${MESSAGES:-3000} SIZE=${SIZE:-4096} SESSIONS=${SESSIONS:-20} DOMAINS=${DOMAINS:-10}
WARMUP=${WARMUP:-500} TIMEOUT=${TIMEOUT:-900} STALL=${STALL:-60} PG_CEILING=${PG_CEILING:-1}
if [ "$QUICK" = 1 ]; then MESSAGES=$((MESSAGES / 10)) WARMUP=$((WARMUP / 10)); fi
for c in $CASES; do case "$c" in file1|db1|db3|ceiling) ;; *) die "unknown case $c (file1, db1, db3, ceiling)";; esac; done
[ "$DOMAINS" -ge 1 ] && [ "$DOMAINS" -le 200 ] || die "DOMAINS must be 1..200"

# Ports, loopback only: node i (1..3) listens on 3650+10i (inbound), +1 (outbound, the one
# loaded), +2 (smtps), +3 (cluster); the sinks on 127.0.0.2.. port 3700.
node_port() { echo $(( 3650 + 10 * $1 + $2 )); }
SINK_PORT=3700
CLUSTER_WORK=$BENCH_WORK/cluster
SINK_DIR=$CLUSTER_WORK/sink
CLUSTERPY="$PY $BENCH_DIR/lib/cluster.py"
sink_domains() { local d; for ((d = 2; d <= DOMAINS + 1; d++)); do printf '[127.0.0.%d] ' "$d"; done; }

[ "$(id -u)" = 0 ] || die "run as root (smtp-sink and PostgreSQL run as unprivileged users, the nodes in a private mount namespace)"
ensure_tools
ensure_limits
command -v smtp-sink >/dev/null || [ -x /usr/sbin/smtp-sink ] || die "smtp-sink missing (apt-get install postfix)"
SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
case " $CASES " in *" db"*) pg_bin >/dev/null || die "PostgreSQL is not installed (apt-get install postgresql)";; esac
mkdir -p "$BENCH_WORK" "$BENCH_DIR/results"
build_tern

# The machine's build lock, held on fd 9 until this script exits; nothing long-lived that we
# start inherits fd 9 (each such start closes it), so a leftover process cannot hold it.
exec 9>>"$MVN_LOCK"
log "waiting for $MVN_LOCK (no build may run alongside the bench)"
flock 9
log "holding $MVN_LOCK"

STAMP=$(date +%Y%m%d-%H%M%S)$([ "$QUICK" = 1 ] && echo -quick || true)
RESULTS=$BENCH_DIR/results
TSV=$RESULTS/$STAMP-cluster.tsv
exec > >(tee "$RESULTS/$STAMP-cluster.log") 2>&1

NODE_PIDS=() SINK_PIDS=() SAMPLERS=()
stop_samplers() {
  local p
  for p in "${SAMPLERS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  SAMPLERS=()
}
nodes_stop() {
  local p i
  for p in "${NODE_PIDS[@]}"; do pid_alive "$p" && kill -TERM "$p" 2>/dev/null || true; done
  for p in "${NODE_PIDS[@]}"; do
    for ((i = 0; i < 600; i++)); do pid_alive "$p" || break; sleep 0.1; done
    pid_alive "$p" && { log "node pid $p ignored SIGTERM for 60 s, killing"; kill -KILL "$p"; }
  done
  NODE_PIDS=()
}
sinks_stop() {
  local p
  for p in "${SINK_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${SINK_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  SINK_PIDS=()
}
cleanup() { stop_samplers; nodes_stop; sinks_stop; pg_stop; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# sinks_start: DOMAINS smtp-sinks, 127.0.0.2.. on SINK_PORT, each message dumped to a file in
# SINK_DIR/<d>/ (written as nobody: smtp-sink refuses to run as root without -u). A directory
# each: the sinks draw the same "random" file names, and in one directory they collide until
# smtp-sink gives up ("mail_file_open: something is looping").
sinks_start() {
  local d a
  rm -rf "$SINK_DIR"; mkdir -p "$SINK_DIR"
  for ((d = 2; d <= DOMAINS + 1; d++)); do
    a=127.0.0.$d
    port_in_use_on "$a" "$SINK_PORT" && die "$a:$SINK_PORT is already in use"
    mkdir "$SINK_DIR/$d"; chown nobody "$SINK_DIR/$d"
    "$SMTP_SINK" -u nobody -d "$SINK_DIR/$d/%M." "$a:$SINK_PORT" 256 >"$CLUSTER_WORK/sink.$d.log" 2>&1 9>&- &
    SINK_PIDS+=($!)
  done
  for ((d = 2; d <= DOMAINS + 1; d++)); do
    for ((a = 0; a < 100; a++)); do port_in_use_on "127.0.0.$d" "$SINK_PORT" && break; sleep 0.1; done
    port_in_use_on "127.0.0.$d" "$SINK_PORT" || { cat "$CLUSTER_WORK/sink.$d.log" >&2; die "smtp-sink on 127.0.0.$d:$SINK_PORT did not start"; }
  done
}
port_in_use_on() { ss -ltnH "src $1:$2" | grep -q .; }

# nodes_start N QUEUE: N fresh nodes (QUEUE file: one node without cluster options; db: every
# node with --cluster-bind, the first node as the seed, --queue-db $PG_URL); waits for "ready"
# from each and, in cluster mode, for N members Up.
nodes_start() {
  local n=$1 queue=$2 i base
  rm -rf "$CLUSTER_WORK/nodes"; mkdir -p "$CLUSTER_WORK/nodes/mail"
  cat > "$CLUSTER_WORK/nodes/tern.conf" <<EOF
# written by bench/cluster.sh: a failed attempt is retried within seconds, not minutes
tern.relay.dns-timeout = 2s
EOF
  for ((i = 1; i <= n; i++)); do
    base=$CLUSTER_WORK/nodes/node$i
    mkdir -p "$base"
    local p
    for p in 0 1 2 3; do port_in_use "$(node_port "$i" $p)" && die "port $(node_port "$i" $p) is already in use (a leftover node?)"; done
    local args=(run --data-dir "$base/data" --mail-root "$CLUSTER_WORK/nodes/mail" -d "$BENCH_DOMAIN"
      --hostname "bench-node$i" -c "$CLUSTER_WORK/nodes/tern.conf"
      --inbound "127.0.0.1:$(node_port "$i" 0)" --outbound "127.0.0.1:$(node_port "$i" 1)"
      --smtps "127.0.0.1:$(node_port "$i" 2)" --remote-port "$SINK_PORT"
      --retry-initial 1s --retry-max 5s)
    if [ "$queue" = db ]; then
      args+=(--cluster-bind "127.0.0.1:$(node_port "$i" 3)" --cluster-seed "127.0.0.1:$(node_port 1 3)"
        --queue-db "$PG_URL")
    fi
    # shellcheck disable=SC2206
    args+=(${TERN_ARGS:-})
    # setsid: a Ctrl-C on the bench does not reach the node mid-run; every step execs, so $!
    # is the java process; the sandbox points resolv.conf at 127.0.0.1 (no DNS leaves)
    (exec setsid "$BENCH_DIR/lib/sandbox.sh" "$BENCH_WORK/resolv.conf" "$BENCH_DIR/lib/tern-pinned.sh" \
      "${args[@]}" >"$base/tern.log" 2>&1 9>&-) &
    NODE_PIDS+=($!)
    # the seed first, so that it forms the cluster the others join
    [ "$i" = 1 ] && [ "$n" -gt 1 ] && await_ready 1
  done
  for ((i = 1; i <= n; i++)); do await_ready "$i"; done
  [ "$queue" = db ] && await_members "$n"
  return 0
}

await_ready() {
  local i=$1 k log=$CLUSTER_WORK/nodes/node$1/tern.log pid=${NODE_PIDS[$(($1 - 1))]}
  for ((k = 0; k < 1200; k++)); do
    grep -q '^ready' "$log" 2>/dev/null && return 0
    pid_alive "$pid" || break
    sleep 0.05
  done
  echo "---- last lines of $log" >&2; tail -20 "$log" >&2
  pid_alive "$pid" && die "node $i did not print 'ready' within 60 s"
  die "node $i exited during start-up"
}

# await_members N: Tern logs Pekko's membership changes only at WARN, so wait for the mesh
# instead: every node has a TCP connection to every other node's cluster port, which the
# nodes open once gossip has told them of each other (at most 60 s). One node forms its
# cluster alone. The warm-up then shows that relaying works through all of them.
await_members() {
  local n=$1 k i j missing
  [ "$n" -gt 1 ] || return 0
  for ((k = 0; k < 600; k++)); do
    missing=0
    for ((i = 1; i <= n; i++)); do
      for ((j = 1; j <= n; j++)); do
        [ "$i" = "$j" ] && continue
        ss -tnpH state established "( dport = :$(node_port "$j" 3) )" |
          grep -q "pid=${NODE_PIDS[$((i - 1))]}," || missing=$((missing + 1))
      done
    done
    [ "$missing" = 0 ] && { log "cluster: all $n nodes connected to each other"; return 0; }
    sleep 0.1
  done
  tail -n 5 "$CLUSTER_WORK"/nodes/node*/tern.log >&2
  die "the $n nodes did not connect to each other within 60 s"
}

# send_split N MESSAGES ERRPREFIX: the load, split over the N nodes' outbound listeners at once
# (node i gets its share of MESSAGES and of SESSIONS); returns the worst smtp-source status
send_split() {
  local n=$1 m=$2 err=$3 i pids=() rc=0 mi si
  for ((i = 1; i <= n; i++)); do
    mi=$(( m / n + (i - 1 < m % n ? 1 : 0) ))
    si=$(( SESSIONS / n + (i - 1 < SESSIONS % n ? 1 : 0) ))
    LOAD_DOMAINS=$(sink_domains) drive_load "127.0.0.1:$(node_port "$i" 1)" "$mi" "$si" "$SIZE" 1 "$TIMEOUT" "$err.$i" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  return "$rc"
}

sink_count() { find "$SINK_DIR" -mindepth 2 -maxdepth 2 -type f | wc -l; }

# one_case CASE REP: one measurement, one TSV row
one_case() {
  local case=$1 rep=$2 n queue
  case "$case" in file1) n=1 queue=file;; db1) n=1 queue=db;; db3) n=3 queue=db;; esac
  local tmp=$CLUSTER_WORK/run.$case
  rm -rf "$tmp"; mkdir -p "$tmp"
  PG_PID=
  [ "$queue" = db ] && pg_start "$CLUSTER_WORK/pg"
  sinks_start
  nodes_start "$n" "$queue"
  log "$case: $n node(s) ready (pids ${NODE_PIDS[*]})"

  # warm-up: WARMUP messages relayed to the sinks, then their dumps removed
  if [ "$WARMUP" -gt 0 ]; then
    local w0; w0=$(date +%s.%N)
    send_split "$n" "$WARMUP" "$tmp/warmup.err" || log "$case: warm-up: smtp-source rc=$? ($(head -1 "$tmp/warmup.err".* 2>/dev/null | head -3))"
    local wgot; wgot=$($BENCHPY wait "$SINK_DIR/*" "$WARMUP" "$w0" "$TIMEOUT" "$STALL")
    log "$case: warm-up $WARMUP messages: $wgot"
    find "$SINK_DIR" -mindepth 2 -maxdepth 2 -type f -delete
  fi
  sync; sleep 2

  local pg_pids=() all=("${NODE_PIDS[@]}")
  [ "$queue" = db ] && { pg_pids=("$PG_PID"); all+=("$PG_PID"); }
  local p
  for p in "${NODE_PIDS[@]}"; do
    (exec $BENCHPY sample "$tmp/mem.$p" 0.25 "$p" 9>&-) & SAMPLERS+=($!)
  done
  [ "$queue" = db ] && { (exec $BENCHPY sample "$tmp/mem.pg" 0.25 "$PG_PID" 9>&-) & SAMPLERS+=($!); }
  $BENCHPY cpusnap "$tmp/cpu0"
  local load1; load1=$(cut -d' ' -f1 /proc/loadavg)
  local tern0 pg0=0 cpu_ms
  eval "$($CLUSTERPY cputicks "${NODE_PIDS[@]}")"; tern0=$cpu_ms
  [ "$queue" = db ] && { eval "$($CLUSTERPY cputicks "$PG_PID")"; pg0=$cpu_ms; }

  # PostgreSQL's own counters for the database: connections opened, transactions committed
  local pg_stat0= pg_stat1=
  [ "$queue" = db ] && pg_stat0=$(pg_stat)
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  send_split "$n" "$MESSAGES" "$tmp/smtp-source.err" || rc=$?
  t1=$(date +%s.%N)
  local stall=$STALL; [ "$rc" = 0 ] || stall=10
  local left; left=$($PY -c "print(max(5, $TIMEOUT - ($t1 - $t0)))")
  local got files deliver_s; got=$($BENCHPY wait "$SINK_DIR/*" "$MESSAGES" "$t0" "$left" "$stall"); eval "$got"
  local elapsed; elapsed=$($PY -c "print($(date +%s.%N) - $t0)")
  local tern1 pg1=0
  eval "$($CLUSTERPY cputicks "${NODE_PIDS[@]}")"; tern1=$cpu_ms
  [ "$queue" = db ] && { eval "$($CLUSTERPY cputicks "$PG_PID")"; pg1=$cpu_ms; pg_stat1=$(pg_stat); }
  local foreign_cpu_pct=; eval "$($BENCHPY foreign "$tmp/cpu0" "$elapsed" $$ "${all[@]}" "${SINK_PIDS[@]}")"
  stop_samplers
  local d=2
  for p in "${SINK_PIDS[@]}"; do
    pid_alive "$p" || log "$case: the smtp-sink on 127.0.0.$d died: $(tail -n 2 "$CLUSTER_WORK/sink.$d.log")"
    d=$((d + 1))
  done
  # a few seconds more: a duplicate (sent twice) would show up as an extra file
  sleep 2
  files=$(sink_count)

  local rss=() rss_peak_kib= pss_peak_kib= nproc_peak=
  for p in "${NODE_PIDS[@]}"; do
    eval "$(cat "$tmp/mem.$p" 2>/dev/null || echo 'rss_peak_kib= pss_peak_kib= nproc_peak=')"
    rss+=("${rss_peak_kib:-}")
  done
  local pg_rss= pg_pss=
  if [ "$queue" = db ]; then
    eval "$(cat "$tmp/mem.pg" 2>/dev/null || echo 'rss_peak_kib= pss_peak_kib= nproc_peak=')"
    pg_rss=$rss_peak_kib pg_pss=$pss_peak_kib
  fi
  nodes_stop
  sinks_stop
  pg_stop

  local ok=1
  [ "$rc" = 0 ] && [ "$files" = "$MESSAGES" ] || ok=0
  local acc rel
  acc=$($PY -c "print('%.1f' % ($MESSAGES / ($t1 - $t0)) if $rc == 0 else 'nan')")
  rel=$($PY -c "d=$deliver_s; print('%.1f' % ($MESSAGES / d) if d == d and d > 0 and $files >= $MESSAGES else 'nan')")
  local tcpu pcpu=
  tcpu=$($PY -c "print('%.2f' % (($tern1 - $tern0) / $MESSAGES))")
  local pg_sessions_msg= pg_commits_msg=
  if [ "$queue" = db ]; then
    pcpu=$($PY -c "print('%.2f' % (($pg1 - $pg0) / $MESSAGES))")
    read -r pg_sessions_msg pg_commits_msg <<<"$($PY -c "a = '$pg_stat0'.split(); b = '$pg_stat1'.split()
print(' '.join('%.1f' % ((int(y) - int(x)) / $MESSAGES) for x, y in zip(a, b)))")"
  fi
  $CLUSTERPY append "$TSV" stamp="$STAMP" rep="$rep" case="$case" nodes="$n" queue="$queue" \
    messages="$MESSAGES" size="$SIZE" sessions="$SESSIONS" domains="$DOMAINS" accepted_msgs_s="$acc" \
    relayed_msgs_s="$rel" accept_s="$($PY -c "print('%.3f' % ($t1 - $t0))")" relay_s="$deliver_s" \
    files="$files" expected="$MESSAGES" smtp_source_rc="$rc" ok="$ok" \
    rss_peak_kib="$(IFS=,; echo "${rss[*]}")" pg_rss_peak_kib="$pg_rss" pg_pss_peak_kib="$pg_pss" \
    tern_cpu_ms_msg="$tcpu" pg_cpu_ms_msg="$pcpu" pg_sessions_msg="$pg_sessions_msg" pg_commits_msg="$pg_commits_msg" foreign_cpu_pct="$foreign_cpu_pct" loadavg1="$load1" \
    tern_jar="$TERN_JAR_ID"
  local mib=() k
  for k in "${rss[@]}"; do mib+=("$(( ${k:-0} / 1024 ))"); done
  printf '%s rep=%s %-5s %d node(s) %-4s accepted %7s msg/s  relayed %7s msg/s  peak RSS %s MiB%s  Tern CPU %s ms/msg%s  %s\n' \
    "$(date +%H:%M:%S)" "$rep" "$case" "$n" "$queue" "$acc" "$rel" "$(IFS=/; echo "${mib[*]}")" \
    "$([ -n "$pg_rss" ] && echo ", PostgreSQL $((pg_rss / 1024))" || true)" "$tcpu" \
    "$([ -n "$pcpu" ] && echo ", PostgreSQL $pcpu ms/msg, $pg_sessions_msg connections/msg, $pg_commits_msg commits/msg" || true)" \
    "$([ "$ok" = 1 ] && echo "ok (other load on the machine: ${foreign_cpu_pct}% CPU)" || echo "FAILED: smtp-source rc=$rc, $files/$MESSAGES at the sink")"
  if [ "$rc" != 0 ]; then echo "  smtp-source said:" >&2; cat "$tmp"/smtp-source.err.* 2>/dev/null | head -3 >&2; fi
  return 0
}

log "Tern cluster bench $STAMP: runs=$RUNS cases='$CASES' messages=$MESSAGES size=$SIZE sessions=$SESSIONS domains=$DOMAINS warmup=$WARMUP quick=$QUICK tern jar $TERN_JAR_ID"
log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r), data on $(findmnt -no SOURCE,FSTYPE --target "$BENCH_WORK" | head -1)"
mkdir -p "$CLUSTER_WORK"
CEILING_LINE=
if [ "$PG_CEILING" = 1 ] && [[ " $CASES " == *" db"* || " $CASES " == *" ceiling "* ]]; then
  # what PostgreSQL itself commits here in the shape of an enqueue, without Tern
  pg_start "$CLUSTER_WORK/pg"
  secs=$([ "$QUICK" = 1 ] && echo 3 || echo 10)
  c1=$(pg_ceiling 1 "$secs" "$SIZE" || true) c8=$(pg_ceiling 8 "$secs" "$SIZE" || true)
  cc=$(pg_connect_rate 1 "$secs" || true)
  pg_stop
  CEILING_LINE=$(printf 'PostgreSQL ceiling (pgbench, %s s each): one transaction inserting a %s-byte bytea row and an entry row, commit: %.0f tx/s on 1 connection, %.0f on 8; a new connection (%s) per SELECT 1: %.0f/s' \
    "$secs" "$SIZE" "${c1:-0}" "${c8:-0}" "${PG_AUTH:-scram-sha-256}" "${cc:-0}")
  log "$CEILING_LINE"
fi
for rep in $(seq "$RUNS"); do
  for c in $CASES; do
    [ "$c" = ceiling ] && continue
    one_case "$c" "$rep"
    sleep 1
  done
done

echo
echo "==== Tern cluster bench $STAMP: $(nproc) cores, runs=$RUNS$([ "$QUICK" = 1 ] && echo ", QUICK (smoke run: figures not meaningful)" || true)"
{ [ ! -f "$TSV" ] || $CLUSTERPY summary "$TSV"; [ -z "$CEILING_LINE" ] || printf '\n%s\n' "$CEILING_LINE"; } | tee "$RESULTS/$STAMP-cluster.txt"
echo
echo "raw per-run numbers: $TSV"
