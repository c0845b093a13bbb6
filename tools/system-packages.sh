#!/bin/sh
# The system packages the product needs beside its Python ones, installed
# when missing (Debian/Ubuntu, apt-get as root or through sudo):
#   - the PDF documents: WeasyPrint's Pango and HarfBuzz-subset, Noto CJK for
#     Chinese and DejaVu for ☑/□;
#   - with --test also what the tests use: Debian's Chromium for the browser
#     tests (Playwright cannot download one here) and poppler-utils (pdftotext,
#     pdftoppm) to read PDFs back.
# README's first command and .ci/run both call it. Where it cannot install
# (no apt-get, no root and no sudo) it says what is missing and exits 0
# unless --test: the product then runs, and only issuing a PDF fails.
set -eu

packages="fonts-noto-cjk fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
missing=""
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
fc-list 2>/dev/null | grep -qi "DejaVu Sans" || missing="$missing fonts-dejavu-core"
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0" || missing="$missing libharfbuzz-subset0"
strict=0
if [ "${1:-}" = "--test" ]; then
  strict=1
  packages="$packages chromium poppler-utils"
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ]; then as_root=""; elif command -v sudo >/dev/null 2>&1; then as_root="sudo"; else as_root="none"; fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$as_root" = "none" ]; then
  echo "system packages missing:$missing — install them (Debian: apt-get install $packages); without them PDF documents cannot be made" >&2
  exit "$strict"
fi
echo "installing system packages:$missing" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $packages
