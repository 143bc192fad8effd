# bench/lib/load.sh - drive a peer with Postfix's smtp-source (sourced after common.sh).
#
# drive_load TARGET MESSAGES SESSIONS SIZE RECIPIENTS TIMEOUT ERRFILE
#   Sends MESSAGES messages of SIZE body bytes with RECIPIENTS recipients each over SESSIONS
#   parallel sessions and returns smtp-source's worst exit status (124: TIMEOUT hit).
#
# smtp-source sends to one recipient address per process, so the load is split into lanes
# to spread it over the users u1..u10 (one Maildir each, as real traffic would be):
# L = min(SESSIONS, 10) smtp-source processes run in parallel, lane l gets SESSIONS/L sessions
# (the remainder to the first lanes) and, one after another, the users uK with
# (K-1) mod L == l, each user getting MESSAGES/10 messages (the remainder to the first).
# With RECIPIENTS R > 1, smtp-source -r R adds the recipients 2uK..RuK to each message.
# smtp-source opens a new connection per message (its default, like MTA-to-MTA traffic);
# REUSE=1 passes -d to send every message of a session over one connection instead.
# LOAD_DOMAINS (default: bench.test) lists the recipients' domains: user uK gets the K-th
# (cycling), e.g. "[127.0.0.2] [127.0.0.3]" spreads relayed mail over two destinations.
SMTP_SOURCE=${SMTP_SOURCE:-$(command -v smtp-source || echo /usr/sbin/smtp-source)}
LOAD_USERS=10

drive_load() {
  local target=$1 n=$2 s=$3 size=$4 r=$5 timeout=$6 errfile=$7
  assert_loopback "${target%:*}"
  local lanes=$(( s < LOAD_USERS ? s : LOAD_USERS )) l
  local deadline=$(( $(date +%s) + timeout ))
  local rcdir pids=()
  rcdir=$(mktemp -d "$BENCH_WORK/lanes.XXXXXX")
  local domains; read -ra domains <<<"${LOAD_DOMAINS:-$BENCH_DOMAIN}"   # no globbing: [127.0.0.2]
  for ((l = 0; l < lanes; l++)); do
    (
      sess=$(( s / lanes + (l < s % lanes ? 1 : 0) ))
      rc=0
      for ((k = l + 1; k <= LOAD_USERS; k += lanes)); do
        m=$(( n / LOAD_USERS + (k - 1 < n % LOAD_USERS ? 1 : 0) ))
        [ "$m" -gt 0 ] || continue
        left=$(( deadline - $(date +%s) ))
        [ "$left" -gt 0 ] || { rc=124; break; }
        extra=()
        [ "$r" -gt 1 ] && extra+=(-r "$r")
        [ "${REUSE:-0}" = 1 ] && extra+=(-d)
        timeout -k 5 "$left" "$SMTP_SOURCE" -s "$sess" -m "$m" -l "$size" -M loadgen.bench.test \
          -f "bench@sender.test" -t "u$k@${domains[(k - 1) % ${#domains[@]}]}" "${extra[@]}" "$target" 2>>"$errfile" || rc=$?
      done
      echo "$rc" > "$rcdir/$l"
    ) &
    pids+=($!)
  done
  wait "${pids[@]}"   # the lanes only: the caller may have other background jobs (the sampler)
  local worst=0 v
  for ((l = 0; l < lanes; l++)); do
    v=$(cat "$rcdir/$l" 2>/dev/null || echo 99)
    [ "$v" = 0 ] || worst=$v
  done
  rm -rf "$rcdir"
  return "$worst"
}
