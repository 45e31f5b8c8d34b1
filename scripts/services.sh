#!/usr/bin/env bash
# The real stores the idempotency tests run against, never a mock: Debian's
# redis-server and PostgreSQL, each on a free port of 127.0.0.1 with its
# data under target/services/, installed when missing.
#
#   scripts/services.sh start        # starts both; prints the lines of target/services/env
#   scripts/services.sh stop         # stops both (also what `start` left behind)
#   scripts/services.sh run CMD...   # CMD with both running and named in its
#                                    # environment, stopped after, pass or fail;
#                                    # where they are named already, just CMD
#   scripts/services.sh down|up redis|postgres   # one stopped, or started again on its port
#
# target/services/env holds PAYVOST_TEST_REDIS_URL and PAYVOST_TEST_POSTGRES_URL
# for the suites. PostgreSQL refuses to run as root, so it runs as the
# `postgres` user, which must be able to reach its data directory: the
# folders above it get the search (x) bit for others where they lack it
# (a CI clone lives in a mktemp -d folder of mode 700).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$PWD/target/services

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] || { echo "services.sh: no PostgreSQL under /usr/lib/postgresql" >&2; exit 1; }
  echo "$bin"
}

as_postgres() {
  runuser -u postgres -- "$@"
}

stop() {
  stop_redis
  stop_postgres
}

start_redis() { # PORT
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --enable-debug-command local \
    --dir "$dir/redis" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
  for _ in $(seq 100); do
    redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "services.sh: redis did not start: $(cat "$dir/redis.log")" >&2
  exit 1
}

start_postgres() { # PORT
  as_postgres "$(pg_bin)/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w \
    -o "-p $1 -k $dir/pg-socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null || { echo "services.sh: postgres did not start: $(cat "$dir/pg/server.log")" >&2; exit 1; }
}

stop_redis() {
  if [ -f "$dir/redis.pid" ]; then
    local pid
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    rm -f "$dir/redis.pid"
  fi
}

stop_postgres() {
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# The port a running service was given, from target/services/env.
port_of() { # VARIABLE
  grep "^$1=" "$dir/env" | sed -E 's|.*:([0-9]+)/.*|\1|'
}

start() {
  scripts/ensure-tools.sh services >&2
  stop
  rm -rf "$dir"
  mkdir -p "$dir/redis" "$dir/pg-socket"

  local redis_port pg_port
  redis_port=$(free_port)
  start_redis "$redis_port"

  # The postgres user must reach $dir: give each folder above it o+x if missing.
  local up=$dir
  while [ "$up" != / ]; do
    up=$(dirname "$up")
    [ "$(( 0$(stat -c '%a' "$up") & 1 ))" -eq 1 ] || chmod o+x "$up"
  done
  chown postgres: "$dir/pg-socket"
  mkdir -p "$dir/pg" && chown postgres: "$dir/pg" && chmod 700 "$dir/pg"
  as_postgres "$(pg_bin)/initdb" -D "$dir/pg" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
    || { echo "services.sh: initdb failed: $(cat "$dir/initdb.log")" >&2; exit 1; }
  pg_port=$(free_port)
  start_postgres "$pg_port"

  {
    echo "PAYVOST_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "PAYVOST_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$pg_port/postgres"
  } > "$dir/env"
  cat "$dir/env"
}

run() {
  if [ -n "${PAYVOST_TEST_REDIS_URL:-}" ] && [ -n "${PAYVOST_TEST_POSTGRES_URL:-}" ]; then
    exec "$@"
  fi
  trap stop EXIT
  start >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$dir/env"
  set +a
  echo "services.sh: redis at $PAYVOST_TEST_REDIS_URL, postgres at $PAYVOST_TEST_POSTGRES_URL (stopped at exit)" >&2
  "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  run) shift; run "$@" ;;
  # One service stopped, then started again on its port: the store-down tests.
  down) case "${2:-}" in redis) stop_redis ;; postgres) stop_postgres ;; *) exit 2 ;; esac ;;
  up) case "${2:-}" in
        redis) start_redis "$(port_of PAYVOST_TEST_REDIS_URL)" ;;
        postgres) start_postgres "$(port_of PAYVOST_TEST_POSTGRES_URL)" ;;
        *) exit 2 ;;
      esac ;;
  *) echo "usage: scripts/services.sh start|stop|run CMD...|down NAME|up NAME" >&2; exit 2 ;;
esac
