#!/usr/bin/env bash
# Back up the database (pg_dump, custom format) and both file storages into one directory:
# the public media folder (photos) and the private one (imports, evidence, label sheets).
# Usage: DATABASE_URL=postgres://... MEDIA_ROOT=/var/lib/smartvillage/media \
#        PRIVATE_MEDIA_ROOT=/var/lib/smartvillage/private deploy/backup.sh DIR
# The private archive holds personal data: keep DIR as protected as the database dump.
set -euo pipefail
dest=${1:?usage: backup.sh DESTINATION_DIR}
: "${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the media folder}"
: "${PRIVATE_MEDIA_ROOT:?PRIVATE_MEDIA_ROOT must name the private files folder}"
mkdir -p "$dest"
chmod 700 "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dest/db-$stamp.dump"
tar -C "$MEDIA_ROOT" -czf "$dest/media-$stamp.tar.gz" .
mkdir -p "$PRIVATE_MEDIA_ROOT"
(umask 077 && tar -C "$PRIVATE_MEDIA_ROOT" -czf "$dest/private-$stamp.tar.gz" .)
ln -sfn "db-$stamp.dump" "$dest/db-latest.dump"
ln -sfn "media-$stamp.tar.gz" "$dest/media-latest.tar.gz"
ln -sfn "private-$stamp.tar.gz" "$dest/private-latest.tar.gz"
echo "Backup written: $dest/db-$stamp.dump, $dest/media-$stamp.tar.gz, $dest/private-$stamp.tar.gz"
