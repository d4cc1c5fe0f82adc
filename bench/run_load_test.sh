#!/usr/bin/env bash
# Load test on loopback, production settings: PostgreSQL, Redis, gunicorn, one Celery worker,
# the seeded demo, then N people for S seconds (bench/load_test.py says who does what).
#   bash bench/run_load_test.sh [people=50] [seconds=120] [gunicorn workers=5] [extra load_test.py args]
# Everything is started here on free ports and stopped on exit. Not part of the test suite.
source "$(dirname "${BASH_SOURCE[0]}")/../bin/_common.sh"
[ -x .venv/bin/gunicorn ] || ensure_venv ""
source "$ROOT/bin/_services.sh"
start_services
PEOPLE="${1:-50}" SECONDS_RUN="${2:-120}" WEB_WORKERS="${3:-5}"
shift $(( $# < 3 ? $# : 3 ))
WEB_PORT="$(random_free_port)"

export DJANGO_SETTINGS_MODULE=revops_portal.settings
export SECRET_KEY="load-test-only-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false LOG_LEVEL=WARNING
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/revops_bench"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export MEDIA_ROOT="$SERVICES_DIR/media" PRIVATE_ROOT="$SERVICES_DIR/private" STATIC_ROOT="$SERVICES_DIR/static"
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres revops_bench

echo "==> Migrating, collecting static files, seeding the demo (computes the metrics)"
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py collectstatic --noinput >/dev/null
# The demo's users have a published password: seed_demo runs only with DEBUG on (here, once).
DEBUG=true .venv/bin/python manage.py seed_demo >/dev/null

.venv/bin/celery -A revops_portal worker --concurrency=1 --loglevel=warning \
  >"$SERVICES_DIR/worker.log" 2>&1 &
WORKER=$!
.venv/bin/gunicorn revops_portal.wsgi --bind "127.0.0.1:$WEB_PORT" --workers "$WEB_WORKERS" \
  --timeout 60 --log-level warning >"$SERVICES_DIR/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN $WORKER 2>/dev/null; wait $GUNICORN $WORKER 2>/dev/null; stop_services' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null && break; sleep 0.2; done

echo "==> $PEOPLE people for $SECONDS_RUN s on gunicorn ($WEB_WORKERS sync workers), $(nproc) cores"
status=0
.venv/bin/python bench/load_test.py --base "http://127.0.0.1:$WEB_PORT" --users "$PEOPLE" \
  --seconds "$SECONDS_RUN" --database-url "$DATABASE_URL" "$@" || status=$?
if grep -q "Traceback" "$SERVICES_DIR/gunicorn.log" "$SERVICES_DIR/worker.log"; then
  echo "==> Tracebacks in the server logs:"; grep -h -A3 "Error" "$SERVICES_DIR"/*.log | tail -40
  status=1
fi
exit $status
