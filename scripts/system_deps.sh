#!/usr/bin/env bash
# System packages the tests need: Debian's chromium (browser tests, never `playwright install`),
# zbar-tools (zbarimg decodes QR labels), poppler-utils (pdftoppm renders label sheets) and
# fonts-dejavu-core (Vietnamese glyphs on the labels).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# Labels print Vietnamese product names with DejaVu Sans.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${need[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Missing ${need[*]}: install them (apt-get install ${need[*]}); the tests that need them are skipped." >&2
fi
