# bench/lib/peers.sh - start and stop the two peers, each fresh (sourced after common.sh).
#
# peer_start NAME sets:
#   PEER_TARGET  127.0.0.1:PORT the load goes to
#   PEER_GLOB    glob of the peer's Maildir new/ directories (delivered = files there)
#   PEER_PIDS    processes whose memory counts (Tern: the java process; Postfix: the master,
#                whose descendants - smtpd, cleanup, qmgr, virtual, ... - are summed with it)
# and fails loudly (non-zero, log tail on stderr) when the peer does not come up.
# peer_stop NAME stops it. Both peers use the same users (bench_users) in bench.test, deliver
# to one Maildir per user, and keep their default durability (fsync before 250).

# Both peers run through lib/sandbox.sh: a private mount namespace whose resolv.conf points
# at 127.0.0.1, so no DNS query they might make leaves the machine.
sandboxed() { "$BENCH_DIR/lib/sandbox.sh" "$BENCH_WORK/resolv.conf" "$@"; }

peer_start() { "${1}_start"; }
peer_stop() { "${1}_stop"; }

# ---------------------------------------------------------------- Tern
TERN_BASE=$BENCH_WORK/tern
TERN_TEMPLATE=$BENCH_WORK/tern-template

# Users are made once per bench with Tern's own CLI (`tern user add`, about 1 s each: one
# JVM start per user) into a template data dir; each fresh start copies the template.
tern_template() {
  [ -f "$TERN_TEMPLATE/.complete" ] && [ "$(cat "$TERN_TEMPLATE/.complete")" = "$TERN_JAR_ID" ] && return 0
  log "tern: creating the bench users with tern user add (once per build)"
  rm -rf "$TERN_TEMPLATE"; mkdir -p "$TERN_TEMPLATE"
  local u
  for u in $(bench_users); do
    echo bench | "$BENCH_DIR/lib/tern-pinned.sh" user add "$u" --password-stdin --data-dir "$TERN_TEMPLATE" \
      >/dev/null || die "tern user add $u failed"
  done
  echo "$TERN_JAR_ID" > "$TERN_TEMPLATE/.complete"
}

tern_start() {
  port_in_use "$TERN_PORT" && die "port $TERN_PORT is already in use (a leftover bench Tern? bench/run.sh --stop)"
  tern_template
  rm -rf "$TERN_BASE"; mkdir -p "$TERN_BASE"
  cp -a "$TERN_TEMPLATE" "$TERN_BASE/data"; rm -f "$TERN_BASE/data/.complete"
  # setsid: Tern gets its own session, so a Ctrl-C on the bench does not reach it mid-run
  # (the EXIT trap stops it). Every step execs, so $! is the java process itself.
  (exec setsid "$BENCH_DIR/lib/sandbox.sh" "$BENCH_WORK/resolv.conf" \
    "$BENCH_DIR/lib/tern-pinned.sh" run --data-dir "$TERN_BASE/data" -d "$BENCH_DOMAIN" --hostname bench-tern \
      --inbound "127.0.0.1:$TERN_PORT" --outbound "127.0.0.1:$TERN_OUT_PORT" \
      --smtps "127.0.0.1:$TERN_SMTPS_PORT" ${TERN_ARGS:-} >"$TERN_BASE/tern.log" 2>&1) &
  TERN_PID=$!
  echo "$TERN_PID" > "$TERN_BASE/pid"
  local i
  for ((i = 0; i < 1200; i++)); do
    grep -q '^ready' "$TERN_BASE/tern.log" 2>/dev/null && break
    pid_alive "$TERN_PID" || break
    sleep 0.05
  done
  if ! grep -q '^ready' "$TERN_BASE/tern.log" 2>/dev/null; then
    echo "---- last lines of $TERN_BASE/tern.log" >&2; tail -20 "$TERN_BASE/tern.log" >&2
    if pid_alive "$TERN_PID"; then tern_stop; die "Tern did not print 'ready' within 60 s (log: $TERN_BASE/tern.log)"; fi
    die "Tern exited during start-up (log: $TERN_BASE/tern.log)"
  fi
  [ "$(cat "/proc/$TERN_PID/comm" 2>/dev/null)" = java ] || die "pid $TERN_PID is not the java process"
  PEER_TARGET=127.0.0.1:$TERN_PORT
  PEER_GLOB="$TERN_BASE/data/mail/*/new"
  PEER_PIDS=$TERN_PID
}

tern_stop() {
  local pid
  pid=$(cat "$TERN_BASE/pid" 2>/dev/null) || return 0
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null   # graceful: idle sessions get 421, Tern exits 0
    local i
    for ((i = 0; i < 400; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && { log "tern: pid $pid ignored SIGTERM for 40 s, killing"; kill -KILL "$pid"; }
  fi
  rm -f "$TERN_BASE/pid"
}

# ---------------------------------------------------------------- Postfix
# A private instance: config_directory, queue_directory and data_directory under
# $BENCH_WORK/postfix, smtpd on 127.0.0.1:$POSTFIX_PORT only, virtual(8) delivery to
# $BENCH_WORK/postfix/mail/<user>/ (Maildir, because the map's values end in "/").
# Everything else is Postfix's default, durability included (queue file fsync'd before
# the 250, Maildir file fsync'd before the delivery counts as done).
PF_BASE=$BENCH_WORK/postfix
PF_CONF=$PF_BASE/conf

pf_master_pid() { tr -d ' \n' < "$PF_BASE/queue/pid/master.pid" 2>/dev/null || true; }

postfix_start() {
  port_in_use "$POSTFIX_PORT" && die "port $POSTFIX_PORT is already in use (a leftover bench Postfix? bench/run.sh --stop)"
  command -v postfix >/dev/null || die "postfix is not installed"
  id "$BENCH_MAILUSER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin --user-group "$BENCH_MAILUSER" ||
    die "cannot create user $BENCH_MAILUSER"
  local muid mgid u
  muid=$(id -u "$BENCH_MAILUSER"); mgid=$(id -g "$BENCH_MAILUSER")
  rm -rf "$PF_BASE"
  mkdir -p "$PF_CONF" "$PF_BASE/queue" "$PF_BASE/data" "$PF_BASE/mail"
  # Postfix wants root-owned, not group/world-writable paths up to its directories, and
  # virtual(8), running as benchmail, must be able to walk down to the Maildirs.
  chmod 0755 "$BENCH_WORK" "$PF_BASE" "$PF_BASE/mail"
  chown postfix "$PF_BASE/data"; chmod 0700 "$PF_BASE/data"
  # dynamicmaps.cf, postfix-files etc. come from the package; main.cf is written from scratch.
  cp -a /etc/postfix/. "$PF_CONF/"
  rm -f "$PF_CONF/main.cf" "$PF_CONF/makedefs.out"
  cat > "$PF_CONF/main.cf" <<EOF
# Tern bench: private Postfix instance written by bench/lib/peers.sh
compatibility_level = 3.6
queue_directory = $PF_BASE/queue
data_directory = $PF_BASE/data
meta_directory = $PF_CONF
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-ternbench
maillog_file = $PF_BASE/postfix.log
maillog_file_prefixes = $BENCH_WORK
myhostname = bench-postfix.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
biff = no
alias_maps =
alias_database =
local_transport = error:local delivery is off in the bench instance
virtual_mailbox_domains = $BENCH_DOMAIN
virtual_mailbox_base = $PF_BASE/mail
virtual_mailbox_maps = hash:$PF_CONF/vmailbox
virtual_uid_maps = static:$muid
virtual_gid_maps = static:$mgid
${POSTFIX_EXTRA:-}
EOF
  # The package's master.cf, with smtpd on 127.0.0.1:PORT instead of port 25, and without
  # chroot (which would need copies of /etc files in the queue; not a performance knob).
  local mcf=/etc/postfix/master.cf
  [ -f "$mcf" ] || mcf=/usr/share/postfix/master.cf.dist
  awk -v port="$POSTFIX_PORT" '
    /^smtp[ \t]+inet/ { sub(/^smtp/, "127.0.0.1:" port) }
    /^[a-z0-9.:]+[ \t]+(inet|unix|unix-dgram|fifo|pass)[ \t]/ { if ($5 == "y") $5 = "n" }
    { print }' "$mcf" > "$PF_CONF/master.cf"
  grep -qE '^[^#]*[[:space:]]inet[[:space:]]' <(grep -v "^127.0.0.1:$POSTFIX_PORT" "$PF_CONF/master.cf") &&
    die "master.cf has another inet service besides 127.0.0.1:$POSTFIX_PORT; refusing to start"
  for u in $(bench_users); do echo "$u@$BENCH_DOMAIN $u/"; done > "$PF_CONF/vmailbox"
  postmap -c "$PF_CONF" "hash:$PF_CONF/vmailbox" || die "postmap failed"
  for u in $(bench_users); do mkdir -p "$PF_BASE/mail/$u"/{cur,new,tmp}; done
  chown -R "$BENCH_MAILUSER:$BENCH_MAILUSER" "$PF_BASE/mail"
  postfix -c "$PF_CONF" check 2>&1 | grep -v 'not owned by' >&2 || true
  sandboxed postfix -c "$PF_CONF" start >"$PF_BASE/start.log" 2>&1 ||
    { cat "$PF_BASE/start.log" >&2; die "postfix -c $PF_CONF start failed"; }
  if ! wait_port "$POSTFIX_PORT" 20; then
    echo "---- $PF_BASE/start.log, postfix.log" >&2; cat "$PF_BASE/start.log" >&2; tail -20 "$PF_BASE/postfix.log" >&2
    postfix_stop
    die "Postfix did not listen on 127.0.0.1:$POSTFIX_PORT within 20 s"
  fi
  PEER_TARGET=127.0.0.1:$POSTFIX_PORT
  PEER_GLOB="$PF_BASE/mail/*/new"
  PEER_PIDS=$(pf_master_pid)
  pid_alive "$PEER_PIDS" || die "Postfix master pid not found"
}

postfix_stop() {
  local pid i
  pid=$(pf_master_pid)
  pid_alive "$pid" || return 0
  postfix -c "$PF_CONF" stop >/dev/null 2>&1 || true
  for ((i = 0; i < 100; i++)); do pid_alive "$pid" || break; sleep 0.1; done
  pid_alive "$pid" && { log "postfix: master $pid still alive, SIGTERM"; kill -TERM "$pid"; sleep 1; }
  return 0
}
