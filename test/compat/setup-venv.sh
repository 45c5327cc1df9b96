#!/usr/bin/env bash
# Idempotently create <repo>/.venv with the pinned Prefect client + pytest
# from test/compat/requirements.txt.
#
#   bash test/compat/setup-venv.sh        # no-op if .venv already has the pinned prefect
#   FORCE=1 bash test/compat/setup-venv.sh  # rebuild from scratch
#
# Works on a fresh Debian machine with python3 (run as root): if
# `python3 -m venv` fails because ensurepip/python3-venv is missing, installs
# python3-venv with apt-get and retries.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
REQ="$SCRIPT_DIR/requirements.txt"
VENV="$REPO_ROOT/.venv"
PY="${PYTHON:-python3}"

log() { echo "[setup-venv] $*" >&2; }

# Pinned prefect version, e.g. "3.9.1", read from requirements.txt.
PIN="$(sed -n 's/^[[:space:]]*prefect[[:space:]]*==[[:space:]]*\([^[:space:];#]*\).*/\1/p' "$REQ" | head -n1)"
if [[ -z "$PIN" ]]; then
  log "no 'prefect==X' pin found in $REQ"
  exit 1
fi

# Version of prefect installed in the venv ("" if none / broken venv).
# Reads package metadata only; does not import prefect (fast, no side effects).
installed_version() {
  [[ -x "$VENV/bin/python" ]] || return 0
  "$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.metadata as m
try:
    print(m.version("prefect"))
except m.PackageNotFoundError:
    pass
EOF
}

# Hash of requirements.txt, stored in the venv after a successful install so
# that changing the pytest/pytest-timeout pins also triggers a reinstall.
req_hash() { sha256sum "$REQ" | cut -d' ' -f1; }
STAMP="$VENV/.requirements.sha256"

if [[ -z "${FORCE:-}" ]] \
   && [[ "$(installed_version)" == "$PIN" ]] \
   && [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(req_hash)" ]]; then
  log ".venv up to date (prefect $PIN)"
  exit 0
fi

make_venv() {
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
}

log "creating $VENV (prefect $PIN)"
if ! make_venv; then
  if command -v apt-get >/dev/null 2>&1; then
    log "python3 -m venv failed; installing python3-venv with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # Prefer the versioned package (e.g. python3.11-venv) matching this python,
    # fall back to the generic one.
    pyver="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt-get update -qq
    apt-get install -y -qq "python${pyver}-venv" >/dev/null 2>&1 \
      || apt-get install -y -qq python3-venv
    make_venv
  else
    log "python3 -m venv failed and apt-get is not available"
    exit 1
  fi
fi

"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"

got="$(installed_version)"
if [[ "$got" != "$PIN" ]]; then
  log "installed prefect is '$got', expected '$PIN'"
  exit 1
fi
req_hash > "$STAMP"
log "done: $VENV (prefect $got)"
