#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and media folder.
# Usage: DATABASE_URL=postgres://.../new_db MEDIA_ROOT=/path/media deploy/restore.sh DIR [STAMP]
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR [STAMP]}
stamp=${2:-latest}
: "${DATABASE_URL:?DATABASE_URL must point at an empty PostgreSQL database}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the (empty) media folder}"
tables=$(psql "$DATABASE_URL" -Atc "select count(*) from information_schema.tables where table_schema='public'")
if [ "$tables" != 0 ]; then
  echo "Refusing to restore: the target database is not empty ($tables tables)." >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$src/db-$stamp.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$src/media-$stamp.tar.gz"
echo "Restored $src (db-$stamp.dump) into the database and $MEDIA_ROOT."
