#!/usr/bin/env bash
# One-time (idempotent) setup. Safe to run again: it skips what is there.
#   bash scripts/setup.sh         what the app needs: a venv with the project and a CJK font (make run)
#   bash scripts/setup.sh --dev   and the test tools, Debian's chromium + a CJK font (browser test,
#                                 screenshots), nginx and pdftotext (signed-in browser tests),
#                                 PostgreSQL (the store tests start a server) and LibreOffice Calc
#                                 (the PDF tests print forms with it) (make test)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ "$DEV" = 1 ]; then stamp=.venv/.selfeval-dev; extras=".[dev]"; else stamp=.venv/.selfeval-app; extras="."; fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$extras"
  touch "$stamp"
  [ "$DEV" = 1 ] && touch .venv/.selfeval-app  # the dev install includes the app's
fi

missing=()
# the app's PDF export draws its charts' Chinese labels with a CJK font (the PDF text needs none)
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
  missing+=(fonts-noto-cjk)
fi
if [ "$DEV" = 1 ] && [ "${SELFEVAL_SKIP_BROWSER:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
# the signed-in browser tests run the deploy guide's nginx in front of the app (docs/nginx/) and read
# the PDFs they download with pdftotext
if [ "$DEV" = 1 ] && [ "${SELFEVAL_SKIP_BROWSER:-0}" != "1" ] && ! command -v nginx >/dev/null 2>&1 \
    && [ ! -x /usr/sbin/nginx ]; then
  missing+=(nginx-light)
fi
if [ "$DEV" = 1 ] && ! command -v pdftotext >/dev/null 2>&1; then
  missing+=(poppler-utils)
fi
# the PDF tests print forms with LibreOffice Calc as units do (headless: the build without a GUI)
if [ "$DEV" = 1 ] && ! command -v soffice >/dev/null 2>&1; then
  missing+=(libreoffice-calc-nogui)
fi
if [ "$DEV" = 1 ] && [ -z "${SELFEVAL_TEST_PG:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
  else
    echo "提示：未找到 apt-get，请安装：${missing[*]}（浏览器测试需要 chromium，存储测试需要 PostgreSQL）。" >&2
  fi
fi
