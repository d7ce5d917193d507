#!/usr/bin/env bash
# Production-profile smoke test: the portal under gunicorn (DEBUG off, manifest static files)
# with a real Celery worker and beat, on a fresh PostgreSQL database. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=smartvillage_smoke
PORT=${SMOKE_PORT:-8765}
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:6379/14"
export SECRET_KEY="smoke-secret-key-not-for-production-0123456789abcdef"
export DEBUG=false ALLOWED_HOSTS=127.0.0.1 SITE_URL="http://127.0.0.1:$PORT"
export MEDIA_ROOT="$(mktemp -d)" PRIVATE_MEDIA_ROOT="$(mktemp -d)" DJANGO_SETTINGS_MODULE=smartvillage.settings
unset CELERY_WORKER_RUNNING
RUN=$(mktemp -d)
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres
redis-cli -n 14 flushdb >/dev/null

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/celery -A smartvillage worker --pool=solo --loglevel=WARNING >"$RUN/worker.log" 2>&1 &
pids=($!)
.venv/bin/celery -A smartvillage beat --loglevel=INFO --schedule="$RUN/beat-schedule" >"$RUN/beat.log" 2>&1 &
pids+=($!)
.venv/bin/gunicorn smartvillage.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --no-control-socket --access-logfile "$RUN/access.log" >"$RUN/gunicorn.log" 2>&1 &
pids+=($!)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

.venv/bin/python manage.py seed_demo --password "Smoke-Test-2026" >"$RUN/seed.log"
status=0
.venv/bin/python scripts/smoke_check.py "http://127.0.0.1:$PORT" || status=$?
if grep -q "beat: Starting" "$RUN/beat.log"; then echo "ok   beat started"; else echo "FAIL beat did not start"; status=1; fi
if [ "$status" != 0 ]; then
  for f in gunicorn worker beat; do echo "--- $f.log"; tail -n 30 "$RUN/$f.log"; done
fi
exit "$status"
