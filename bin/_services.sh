# Shared by bin/test and bench/: a throwaway PostgreSQL and Redis on loopback, stopped on exit.
# start_services sets PG_PORT, REDIS_PORT and SERVICES_DIR and exports PG_PORT, TEST_REDIS_PORT
# and TEST_REDIS_URL. Ports are free ones picked at random (retried if another process takes
# one first), so two runs at once, or a run beside a developer's own PostgreSQL or Redis, never
# meet; TEST_PG_PORT / TEST_REDIS_PORT choose fixed ones. Clean-up reaches only the servers
# started here: PostgreSQL by its own data directory, Redis through its own unix socket.
PG_BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")"
PORT_ATTEMPTS=20

as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# A port nothing listens on now, below Linux's ephemeral range (32768+) so outgoing
# connections don't take it meanwhile. The server's own bind is the real test: see start_*.
random_free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
}

# Runs "$1 PORT" with TEST_xxx_PORT if set (once), else with random free ports until one binds.
start_on_free_port() {
  local starter=$1 fixed=$2 attempt port
  if [ -n "$fixed" ]; then
    "$starter" "$fixed" && return 0
    echo "Could not start on the requested port $fixed (is it taken?):" >&2
    tail -n 3 "$SERVICES_DIR"/*.log >&2
    return 1
  fi
  for attempt in $(seq "$PORT_ATTEMPTS"); do
    port="$(random_free_port)"
    "$starter" "$port" && return 0
  done
  echo "Could not find a free port after $PORT_ATTEMPTS attempts:" >&2
  tail -n 3 "$SERVICES_DIR"/*.log >&2
  return 1
}

start_postgres() {
  # pg_ctl -w fails when the port is taken; the data directory stays for the next attempt.
  as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -l "$SERVICES_DIR/pg.log" -w start \
    -o "-p $1 -k $SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null 2>&1 || return 1
  PG_PORT=$1
}

# 256 databases: each parallel pytest process takes its own as its Celery broker
# (broker_db in tests/metrics/test_worker.py), so none reads or flushes another's queue.
start_redis() {
  local pid
  redis-server --port "$1" --bind 127.0.0.1 --unixsocket "$SERVICES_DIR/redis.sock" \
    --save "" --appendonly no --daemonize no --databases 256 --logfile "$SERVICES_DIR/redis.log" \
    --dir "$SERVICES_DIR" &
  pid=$!
  # Redis opens its TCP port before its unix socket and exits if the port is taken, so an
  # answer on our own socket means this server holds the port.
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$(redis-cli -s "$SERVICES_DIR/redis.sock" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
  done
  [ "$(redis-cli -s "$SERVICES_DIR/redis.sock" ping 2>/dev/null)" = PONG ] || { kill "$pid"; return 1; }
  REDIS_PID=$pid
  REDIS_PORT=$1
}

stop_services() {
  [ -n "${SERVICES_DIR:-}" ] && [ -d "$SERVICES_DIR" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -n "${REDIS_PID:-}" ]; then
    redis-cli -s "$SERVICES_DIR/redis.sock" shutdown nosave >/dev/null 2>&1 || kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$SERVICES_DIR"
}

start_services() {
  SERVICES_DIR="$(mktemp -d /tmp/revops-services.XXXXXX)"
  trap stop_services EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  [ "$(id -u)" = 0 ] && chown postgres "$SERVICES_DIR"
  as_pg "$PG_BIN/initdb" -D "$SERVICES_DIR/pg" -A trust -U postgres --no-sync >/dev/null
  start_on_free_port start_postgres "${TEST_PG_PORT:-}"
  start_on_free_port start_redis "${TEST_REDIS_PORT:-}"
  echo "==> Started PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT"
  export PG_PORT
  export TEST_REDIS_PORT="$REDIS_PORT"
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
}
