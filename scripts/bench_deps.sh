#!/usr/bin/env bash
# System packages the benchmark needs (make bench): Debian's wrk drives the HTTP case (without
# it bench/run.py falls back to a slower Python load loop and says so). Installed when we can.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing wrk from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq wrk >/dev/null
else
  echo "Missing wrk: install it (apt-get install wrk); the HTTP case uses a Python load loop." >&2
fi
