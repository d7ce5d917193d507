#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and media folders (public and private).
# Usage: DATABASE_URL=postgres://.../new_db MEDIA_ROOT=/path/media \
#        PRIVATE_MEDIA_ROOT=/path/private deploy/restore.sh DIR [STAMP]
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR [STAMP]}
stamp=${2:-latest}
: "${DATABASE_URL:?DATABASE_URL must point at an empty PostgreSQL database}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the (empty) media folder}"
: "${PRIVATE_MEDIA_ROOT:?PRIVATE_MEDIA_ROOT must name the (empty) private files folder}"
tables=$(psql "$DATABASE_URL" -Atc "select count(*) from information_schema.tables where table_schema='public'")
if [ "$tables" != 0 ]; then
  echo "Refusing to restore: the target database is not empty ($tables tables)." >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$src/db-$stamp.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$src/media-$stamp.tar.gz"
if [ -e "$src/private-$stamp.tar.gz" ]; then
  mkdir -p "$PRIVATE_MEDIA_ROOT"
  chmod 700 "$PRIVATE_MEDIA_ROOT"
  tar -C "$PRIVATE_MEDIA_ROOT" -xzf "$src/private-$stamp.tar.gz"
else
  echo "No private-$stamp.tar.gz (a backup from before the private storage): run" \
    "manage.py move_private_files --apply after the restore." >&2
fi
echo "Restored $src (db-$stamp.dump) into the database, $MEDIA_ROOT and $PRIVATE_MEDIA_ROOT."
