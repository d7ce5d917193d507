#!/usr/bin/env bash
# Back up the database (pg_dump, custom format) and the media folder into one directory.
# Usage: DATABASE_URL=postgres://... MEDIA_ROOT=/var/lib/smartvillage/media deploy/backup.sh DIR
set -euo pipefail
dest=${1:?usage: backup.sh DESTINATION_DIR}
: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the media folder}"
mkdir -p "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dest/db-$stamp.dump"
tar -C "$MEDIA_ROOT" -czf "$dest/media-$stamp.tar.gz" .
ln -sfn "db-$stamp.dump" "$dest/db-latest.dump"
ln -sfn "media-$stamp.tar.gz" "$dest/media-latest.tar.gz"
echo "Backup written: $dest/db-$stamp.dump, $dest/media-$stamp.tar.gz"
