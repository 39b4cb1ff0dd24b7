#!/usr/bin/env bash
# Idempotent set-up for tests, demo and benchmarks on a fresh Debian machine with Node 20 (as root):
# Debian packages the suite uses, npm dependencies, and the build. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
want() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
want openssl openssl
want pebble pebble
want apache2 apache2
want chromium chromium
want promtool prometheus
want tmux tmux
want curl curl
want certbot certbot
want lego lego
want ssl-cert-check ssl-cert-check
want hyperfine hyperfine
[ -x /usr/bin/time ] || need_pkgs+=(time)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${need_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
    # the Debian apache2 package starts the system instance; tests run their own on loopback high ports
  else
    echo "setup: missing ${need_pkgs[*]} (not root or no apt-get): tests that need them will fail" >&2
  fi
fi

stamp=node_modules/.certkit-lock-stamp
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
npx tsc -p tsconfig.json
