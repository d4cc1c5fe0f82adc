# Shared by bin/test and bench/: a throwaway PostgreSQL and Redis on loopback, stopped on exit.
# Sets PG_PORT, REDIS_PORT, SERVICES_DIR and exports TEST_REDIS_URL.
PG_BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")"
PG_PORT="${TEST_PG_PORT:-54329}"
REDIS_PORT="${TEST_REDIS_PORT:-63790}"
SERVICES_DIR="$(mktemp -d /tmp/revops-services.XXXXXX)"

as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

stop_services() {
  as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$SERVICES_DIR"
}

start_services() {
  trap stop_services EXIT
  [ "$(id -u)" = 0 ] && chown postgres "$SERVICES_DIR"
  echo "==> Starting PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT"
  as_pg "$PG_BIN/initdb" -D "$SERVICES_DIR/pg" -A trust -U postgres --no-sync >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -l "$SERVICES_DIR/pg.log" -w start \
    -o "-p $PG_PORT -k $SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --logfile "$SERVICES_DIR/redis.log" --dir "$SERVICES_DIR"
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export TEST_REDIS_PORT="$REDIS_PORT"
}
