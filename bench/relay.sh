#!/usr/bin/env bash
# bench/relay.sh - relaying throughput and Tern's CPU per relayed message, with and without
# DKIM signing (--dkim-key), the modes alternating within each run.
#
#   ./tern --version                          # build first (under flock, like every build)
#   flock /tmp/mvn.lock bench/relay.sh        # then hold the lock for the whole measurement
#
# Per run and mode: a fresh data dir; for a DKIM mode a key from `tern dkim keygen`; Postfix's
# smtp-sink as the next hop on 127.0.0.1:$SINK_PORT; Tern with --remote-port pointing there.
# smtp-source sends WARMUP messages (JIT warm-up, not measured), then MESSAGES more, SIZE octets
# each, SESSIONS in parallel, from bench@sign.test to rcpt@[127.0.0.1] (an address literal: no
# DNS) on the --outbound listener. Measured: seconds from the first measured message in to
# the last "status=sent" in Tern's log, and the java process's CPU (user + system) over them.
# A DKIM mode also checks that every message was signed (Tern logs "dkim=signed").
#
# Environment: RUNS=3 MESSAGES=3000 WARMUP=6000 SESSIONS=10 SIZE=4096
#   (after 1,000 messages the JIT compiler threads still took 3-4 ms of CPU per measured message,
#   a third of Tern's; after 6,000 about 1 ms. The of_which_jit_ms column shows what is left.)
#   MODES="plain rsa ed25519" JAR=actors/target/tern.jar BENCH_WORK=/tmp/tern-bench-relay
#   JFR=1 (a Flight Recording per run and mode: $BENCH_WORK/RUN-MODE.jfr, settings=profile)
# Output: one line per run and mode on stdout (TSV), the log on stderr.
set -euo pipefail
BENCH_WORK=${BENCH_WORK:-/tmp/tern-bench-relay}
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUNS=${RUNS:-3} MESSAGES=${MESSAGES:-3000} WARMUP=${WARMUP:-6000} SESSIONS=${SESSIONS:-10} SIZE=${SIZE:-4096}
MODES=${MODES:-plain rsa ed25519}
JAR=${JAR:-$TERN_HOME/actors/target/tern.jar}
IN_PORT=${IN_PORT:-3681} OUT_PORT=$((IN_PORT + 1)) SMTPS_PORT=$((IN_PORT + 2)) SINK_PORT=$((IN_PORT + 9))
[ -f "$JAR" ] || die "no $JAR: build first (./tern --version)"
[ -x /usr/sbin/smtp-source ] && [ -x /usr/sbin/smtp-sink ] || die "needs Postfix's smtp-source and smtp-sink"
for port in $IN_PORT $OUT_PORT $SMTPS_PORT $SINK_PORT; do
  port_in_use "$port" && die "port $port is in use"
done
opts=$(sed -n 's/.*\${TERN_JAVA_OPTS:-\([^}]*\)}.*-jar.*/\1/p' "$TERN_HOME/tern" | head -1)
CLK_TCK=$(getconf CLK_TCK)
TERN=""; SINK=""
cleanup() {
  [ -n "$TERN" ] && kill -TERM "$TERN" 2>/dev/null && wait "$TERN" 2>/dev/null || true
  [ -n "$SINK" ] && kill "$SINK" 2>/dev/null && wait "$SINK" 2>/dev/null || true
  TERN=""; SINK=""
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
jit_ticks() { # the JIT compiler threads' CPU: a one-time cost that a short run still pays in its window
  local t sum=0
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in
      C1\ Compiler*|C2\ Compiler*) sum=$((sum + $(awk '{print $14 + $15}' "$t/stat"))) ;;
    esac
  done
  echo "$sum"
}
sent() { grep -c 'status=sent' "$WORK/tern.log" || true; }

await_sent() { # await_sent COUNT: until the log shows COUNT deliveries (fails after 120 s without progress)
  local last=-1 still=0 now
  while :; do
    now=$(sent)
    [ "$now" -ge "$1" ] && return 0
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; last=$now; fi
    [ "$still" -ge 1200 ] && die "stalled at $now of $1 deliveries (log: $WORK/tern.log)"
    sleep 0.1
  done
}

load() { # load COUNT
  timeout 900 /usr/sbin/smtp-source -s "$SESSIONS" -m "$1" -l "$SIZE" -M load.bench.test -f bench@sign.test \
    -t 'rcpt@[127.0.0.1]' "127.0.0.1:$OUT_PORT"
}

one() { # one RUN MODE
  WORK=$BENCH_WORK/$2
  rm -rf "$WORK"; mkdir -p "$WORK/data"
  local key=()
  if [ "$2" != plain ]; then
    java -jar "$JAR" dkim keygen sign.test --selector bench --algorithm "$2" --data-dir "$WORK/data" >/dev/null
    key=(--dkim-key "sign.test:bench:$WORK/data/dkim/sign.test.bench.key")
  fi
  local sink_user=()
  [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
  /usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$SINK_PORT" 256 & SINK=$!
  wait_port "$SINK_PORT" 10 || die "smtp-sink did not listen on $SINK_PORT"
  local profile=()
  [ "${JFR:-0}" = 1 ] && profile=("-XX:StartFlightRecording=filename=$BENCH_WORK/$1-$2.jfr,settings=profile,dumponexit=true")
  # shellcheck disable=SC2086
  java $opts "${profile[@]}" -jar "$JAR" run --data-dir "$WORK/data" -d bench.test --hostname bench-tern --http off \
    --inbound "127.0.0.1:$IN_PORT" --outbound "127.0.0.1:$OUT_PORT" --smtps "127.0.0.1:$SMTPS_PORT" \
    --dns 127.0.0.1:9 --remote-port "$SINK_PORT" "${key[@]}" >"$WORK/tern.log" 2>&1 & TERN=$!
  local i
  for ((i = 0; i < 1200; i++)); do grep -q '^ready' "$WORK/tern.log" && break; sleep 0.05; done
  grep -q '^ready' "$WORK/tern.log" || die "Tern did not start: $(tail -5 "$WORK/tern.log")"
  load "$WARMUP"; await_sent "$WARMUP"
  local cpu0 jit0 t0 t1 cpu1 jit1
  cpu0=$(cpu_ticks "$TERN"); jit0=$(jit_ticks "$TERN"); t0=$(date +%s.%N)
  load "$MESSAGES"; await_sent $((WARMUP + MESSAGES))
  t1=$(date +%s.%N); cpu1=$(cpu_ticks "$TERN"); jit1=$(jit_ticks "$TERN")
  local signed
  signed=$(grep -c 'dkim=signed' "$WORK/tern.log" || true)
  if [ "$2" != plain ] && [ "$signed" -lt $((WARMUP + MESSAGES)) ]; then
    die "$2: only $signed of $((WARMUP + MESSAGES)) messages signed (log: $WORK/tern.log)"
  fi
  awk -v run="$1" -v mode="$2" -v n="$MESSAGES" -v t0="$t0" -v t1="$t1" -v c="$((cpu1 - cpu0))" -v hz="$CLK_TCK" \
    -v j="$((jit1 - jit0))" -v signed="$signed" \
    'BEGIN { printf "%s\t%s\t%.1f\t%.2f\t%.2f\t%d\n", run, mode, n / (t1 - t0), c * 1000 / hz / n, j * 1000 / hz / n, signed }'
  cleanup
}

log "relay bench: RUNS=$RUNS MESSAGES=$MESSAGES WARMUP=$WARMUP SESSIONS=$SESSIONS SIZE=$SIZE MODES=$MODES"
printf 'run\tmode\trelayed_msg_per_s\ttern_cpu_ms_per_msg\tof_which_jit_ms\tsigned\n'
for ((run = 1; run <= RUNS; run++)); do
  for mode in $MODES; do one "$run" "$mode"; done
done
