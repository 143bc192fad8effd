# bench/lib/common.sh - settings and helpers shared by run.sh, scale.sh and ceiling.sh
# (sourced, not run).
#
# Everything the bench starts lives under $BENCH_WORK (default /tmp/tern-bench) and listens
# on 127.0.0.1 only, on ports 3620-3649 (nothing here ever touches port 25 or the system's
# Postfix: the private Postfix instance has its own config, queue and data directories).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TERN_HOME=$(cd "$BENCH_DIR/.." && pwd)
BENCH_WORK=${BENCH_WORK:-/tmp/tern-bench}
BENCH_DOMAIN=bench.test
# Postfix's virtual(8) delivers as this unprivileged user; it owns the Postfix Maildirs.
BENCH_MAILUSER=benchmail
# Our Python helpers use the system interpreter (stdlib only), not whatever is first in PATH.
PY=${PY:-/usr/bin/python3}
BENCHPY="$PY $BENCH_DIR/lib/bench.py"

# Ports (loopback only). Tern needs three listeners; only the inbound one gets load.
TERN_PORT=${TERN_PORT:-3625}
TERN_OUT_PORT=$((TERN_PORT + 1))
TERN_SMTPS_PORT=$((TERN_PORT + 2))
POSTFIX_PORT=${POSTFIX_PORT:-3645}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

# The mailbox names both peers know: u1..u10 (one per smtp-source lane) and, for the
# 5-recipient workload, the names smtp-source -r 5 derives from uK by prepending a number
# (2uK..5uK; the first recipient is uK itself).
bench_users() {
  local r k
  for r in "" 2 3 4 5; do for k in $(seq 10); do echo "${r}u$k"; done; done
}

port_in_use() { ss -ltnH "sport = :$1" | grep -q .; }

wait_port() { # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do port_in_use "$1" && return 0; sleep 0.1; done
  return 1
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Loopback-only guard: refuse to drive anything that is not 127.0.0.0/8 or ::1.
assert_loopback() {
  case "$1" in 127.*|::1|"[::1]") ;; *) die "refusing non-loopback address $1";; esac
}

# ensure_tools: install what the bench needs from apt when it is missing.
# Postfix brings smtp-source (the load generator) and is the peer. It is installed with
# debconf "No configuration" and a policy-rc.d that forbids starting services, so the
# system's own Postfix never starts and never takes port 25; the bench runs a private
# instance instead (lib/postfix.sh).
ensure_tools() {
  local need=()
  command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || need+=(postfix)
  [ -x "$PY" ] || need+=(python3)
  command -v ss >/dev/null 2>&1 || need+=(iproute2)
  command -v java >/dev/null 2>&1 && command -v jcmd >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || need+=(maven)      # ./tern builds its jar with Maven
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}: run as root (or apt-get install ${need[*]} first)"
  log "installing from apt: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=yes
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -o Acquire::Retries=3 >&2 &&
    apt-get install -y -o Acquire::Retries=3 "${need[@]}" >&2
  local rc=$?
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  # With systemd as init the unit may have been enabled anyway: keep it stopped.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now postfix.service >/dev/null 2>&1 || true
  fi
  [ $rc = 0 ] || die "apt-get install ${need[*]} failed"
}

# ensure_limits: the 200-session workload and the 10,000-session scale run need many file
# descriptors in both the peer and the client; raise the soft limit to the hard one.
ensure_limits() {
  local hard
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] && hard=1048576
  ulimit -n "$hard" 2>/dev/null || true
}

# build_tern: ./tern rebuilds its jar when sources are newer; do that once, up front, under
# the machine's Maven lock, and copy the jar with the lib/ jars its manifest names (still under
# the lock, so never half-written) to $BENCH_WORK/tern-build/. Every Tern the bench starts runs that copy, with the same java
# command line as ./tern: all figures of one bench come from one build, even if the
# checkout is edited or rebuilt while the bench runs (./tern itself would rebuild mid-bench).
MVN_LOCK=${MVN_LOCK:-/tmp/mvn.lock}
TERN_JAR=$BENCH_WORK/tern-build/tern.jar
build_tern() {
  log "building Tern if needed (./tern --version under flock $MVN_LOCK), pinning the jar"
  local pin=${TERN_JAR%/*}
  rm -rf "$pin"; mkdir -p "$pin"
  (cd "$TERN_HOME" && flock "$MVN_LOCK" sh -c './tern --version && cp -a actors/target/tern.jar actors/target/lib "$0"/' "$pin") >&2 ||
    die "Tern build failed (./tern --version)"
  # the build's identity (recorded with every figure): a hash over the jar and its libraries
  TERN_JAR_ID=$(cd "$pin" && sha256sum tern.jar lib/* | sha256sum | cut -c1-12)
  export TERN_JAR_ID
}
