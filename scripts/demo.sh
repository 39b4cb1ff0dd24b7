#!/usr/bin/env bash
# README's first command: certkit's main job end to end on loopback (see scripts/demo.mjs).
# Installs what it needs first (Debian packages, npm ci, build); `--clean` removes the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${CERTKIT_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
exec node scripts/demo.mjs "$@"
