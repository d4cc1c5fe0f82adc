#!/usr/bin/env bash
# Load test: gunicorn + PostgreSQL on loopback, seeded demo data, N users for S seconds.
#   bash bench/run_load_test.sh [users] [seconds]
source "$(dirname "${BASH_SOURCE[0]}")/../bin/_common.sh"
ensure_venv ""
source "$ROOT/bin/_services.sh"
start_services
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/revops_bench"
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres revops_bench
export MEDIA_ROOT="$SERVICES_DIR/media"
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py seed_demo >/dev/null
.venv/bin/gunicorn revops_portal.wsgi --bind 127.0.0.1:8200 --workers 4 --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; stop_services' EXIT
for _ in $(seq 50); do curl -fs http://127.0.0.1:8200/healthz >/dev/null && break; sleep 0.2; done
.venv/bin/python bench/load_test.py --base http://127.0.0.1:8200 --users "${1:-8}" --seconds "${2:-60}"
