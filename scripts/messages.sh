#!/usr/bin/env bash
# Extract and compile Vietnamese translations (needs GNU gettext; developers only).
# Each feature app keeps its own catalogue in <app>/locale/; templates/, core, villages and
# smartvillage share the project catalogue in locale/. The compiled .mo files are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN=$PWD/.venv/bin/django-admin
export DJANGO_SETTINGS_MODULE=smartvillage.settings DEBUG=true PYTHONPATH=$PWD
APPS=(households digital_teams payments ocop criteria dashboards provinces api plates)
# `scripts/messages.sh APP` refreshes and compiles only that app's catalogue.
# `scripts/messages.sh project` only the project catalogue (templates/, core, villages).
if [ "${1:-}" = project ]; then
  ignores=(--ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench)
  for app in "${APPS[@]}"; do ignores+=(--ignore="$app"); done
  "$ADMIN" makemessages -l vi --no-obsolete -v0 "${ignores[@]}"
  "$ADMIN" compilemessages -l vi -v0 --ignore=.venv "${ignores[@]}"
  exit 0
fi
if [ $# -gt 0 ]; then
  for app in "$@"; do
    mkdir -p "$app/locale"
    (cd "$app" && "$ADMIN" makemessages -l vi --no-obsolete -v0 && "$ADMIN" compilemessages -l vi -v0)
  done
  exit 0
fi
for app in "${APPS[@]}"; do
  mkdir -p "$app/locale"
  (cd "$app" && "$ADMIN" makemessages -l vi --no-obsolete -v0)
done
ignores=(--ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench)
for app in "${APPS[@]}"; do ignores+=(--ignore="$app"); done
"$ADMIN" makemessages -l vi --no-obsolete -v0 "${ignores[@]}"
"$ADMIN" makemessages -d djangojs -l vi --no-obsolete -v0 "${ignores[@]}" --ignore=static/vendor
"$ADMIN" compilemessages -l vi -v0 --ignore=.venv
.venv/bin/python scripts/po_todo.py
