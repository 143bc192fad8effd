# bench/lib/postgres.sh - a private PostgreSQL for the cluster bench (sourced after common.sh).
#
# pg_start DIR   initdb into DIR/data (fsync on, scram password for the one role "tern", or
#                $PG_AUTH, no Unix socket), postgres on 127.0.0.1 and a free port, database "tern". Sets PG_PORT,
#                PG_PID (the postmaster) and PG_URL (a JDBC URL as --queue-db takes it).
# pg_stop        fast shutdown (pg_ctl -m fast); the directory stays for its log.
# pg_sql SQL     runs SQL in database tern (psql, unaligned, no header).
#
# The binaries are Debian's (/usr/lib/postgresql/<version>/bin, newest first) or $TERN_PG_BIN,
# as the tests' PrivatePostgres finds them. PostgreSQL refuses to run as root, so under root
# every program runs as the user postgres (else nobody) through setpriv. Never the system's
# service, its data directory or port 5432.

pg_bin() {
  local d
  for d in ${TERN_PG_BIN:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -rn); do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

# PG_AS: the command prefix that runs a program as the unprivileged owner of the data
# directory (setpriv execs the program: same PID); empty unless we are root
pg_as() { "${PG_AS[@]}" "$@"; }

free_port() {
  $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  local dir=$1
  PG_BIN=$(pg_bin) || die "PostgreSQL is not installed (apt-get install postgresql) or set TERN_PG_BIN"
  PG_USER=postgres
  id "$PG_USER" >/dev/null 2>&1 || PG_USER=nobody
  PG_AS=()
  [ "$(id -u)" = 0 ] && PG_AS=(setpriv --reuid="$PG_USER" --regid="$(id -g "$PG_USER")" --clear-groups --)
  PG_DIR=$dir
  rm -rf "$dir"; mkdir -p "$dir"
  PG_PASSWORD=$($PY -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$PG_PASSWORD" > "$dir/password"
  [ "$(id -u)" = 0 ] && chown -R "$PG_USER:" "$dir"
  chmod 0700 "$dir"
  pg_as "$PG_BIN/initdb" -D "$dir/data" -U tern --auth="${PG_AUTH:-scram-sha-256}" --pwfile="$dir/password" \
    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || { tail -5 "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/password"
  PG_PORT=$(free_port)
  # its own session (setsid), so a Ctrl-C on the bench does not reach it; pg_stop ends it.
  # fd 9 (the bench's hold on the Maven lock) is not passed on.
  (exec setsid "${PG_AS[@]}" "$PG_BIN/postgres" -D "$dir/data" -p "$PG_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on -c max_connections=100 \
    >"$dir/postgres.log" 2>&1 9>&-) &
  PG_PID=$!
  local i
  for ((i = 0; i < 600; i++)); do
    pid_alive "$PG_PID" || { tail -5 "$dir/postgres.log" >&2; die "postgres exited during start-up"; }
    PGPASSWORD=$PG_PASSWORD "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U tern -d postgres && break
    sleep 0.1
  done
  PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U tern tern ||
    { tail -5 "$dir/postgres.log" >&2; pg_stop; die "createdb tern failed (postgres on 127.0.0.1:$PG_PORT)"; }
  PG_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/tern?user=tern&password=$PG_PASSWORD"
  log "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (pid $PG_PID, $dir)"
}

pg_sql() {
  PGPASSWORD=$PG_PASSWORD PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U tern -d tern -qAt -c "$1"
}

# pg_stat: "SESSIONS COMMITS" of database tern so far (pg_stat_database: connections opened,
# transactions committed; the statistics lag by up to half a second)
pg_stat() {
  sleep 0.6
  pg_sql "SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = 'tern'" | tr '|' ' '
}

pg_stop() {
  pid_alive "${PG_PID:-}" || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 9>&- || true
  local i
  for ((i = 0; i < 100; i++)); do pid_alive "$PG_PID" || break; sleep 0.1; done
  pid_alive "$PG_PID" && { log "postgres: pid $PG_PID still alive, SIGKILL"; kill -KILL "$PG_PID"; }
  PG_PID=
  return 0
}

# pg_ceiling CLIENTS SECONDS SIZE: PostgreSQL's own rate for the shape of an enqueue, without
# Tern: one transaction that inserts a SIZE-byte bytea row (stored uncompressed, as random
# bodies would be) and a row pointing at it, then commits (fsync'd WAL, synchronous_commit
# on), CLIENTS connections at once for SECONDS s (pgbench). Prints the transactions per second.
pg_ceiling() {
  local clients=$1 secs=$2 size=$3 script
  pg_sql "DROP TABLE IF EXISTS bench_entry, bench_body;
    CREATE TABLE bench_body (id bigserial PRIMARY KEY, data bytea NOT NULL);
    ALTER TABLE bench_body ALTER data SET STORAGE EXTERNAL;
    CREATE TABLE bench_entry (id bigserial PRIMARY KEY, body_id bigint NOT NULL REFERENCES bench_body ON DELETE CASCADE,
      domain text NOT NULL);" >/dev/null
  script=$(mktemp "$BENCH_WORK/pgbench.XXXXXX.sql")
  cat > "$script" <<SQL
BEGIN;
WITH body AS (INSERT INTO bench_body (data) VALUES (decode(repeat('ab', $size), 'hex')) RETURNING id)
  INSERT INTO bench_entry (body_id, domain) SELECT id, 'example.test' FROM body;
COMMIT;
SQL
  PGPASSWORD=$PG_PASSWORD "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U tern -n -c "$clients" -j "$clients" \
    -T "$secs" -f "$script" tern 2>"$PG_DIR/pgbench.err" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
  rm -f "$script"
  pg_sql "DROP TABLE bench_entry, bench_body;" >/dev/null
}

# pg_connect_rate CLIENTS SECONDS: connections per second when each transaction (a SELECT 1)
# opens its own connection (pgbench -C): a backend started and a scram-sha-256 login each time,
# as a client without a connection pool pays per use.
pg_connect_rate() {
  local clients=$1 secs=$2 script
  script=$(mktemp "$BENCH_WORK/pgbench.XXXXXX.sql")
  echo 'SELECT 1;' > "$script"
  PGPASSWORD=$PG_PASSWORD "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U tern -n -C -c "$clients" -j "$clients" \
    -T "$secs" -f "$script" tern 2>"$PG_DIR/pgbench.err" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
  rm -f "$script"
}
