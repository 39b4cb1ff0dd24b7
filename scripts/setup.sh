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
    # Debian's apache2 would start a system Apache on port 80 during the install: forbid service starts
    # (policy-rc.d exit 101) for the install only; the tests run their own Apache on loopback high ports
    policy=/usr/sbin/policy-rc.d
    had_policy=0
    [ -e "$policy" ] && had_policy=1
    if [ "$had_policy" = 0 ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 0755 "$policy"
    fi
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null || {
      [ "$had_policy" = 0 ] && rm -f "$policy"
      exit 1
    }
    [ "$had_policy" = 0 ] && rm -f "$policy"
  else
    echo "setup: missing ${need_pkgs[*]} (not root or no apt-get): tests that need them will fail" >&2
  fi
fi

# keep the system Apache stopped and disabled (also when it was installed before this script ran)
if [ "$(id -u)" = 0 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null &&
  systemctl list-unit-files apache2.service >/dev/null 2>&1 &&
  { systemctl is-enabled --quiet apache2 2>/dev/null || systemctl is-active --quiet apache2 2>/dev/null; }; then
  systemctl disable --now apache2 >/dev/null 2>&1 || true
  echo "setup: stopped and disabled the system Apache (apache2.service); tests run their own on loopback" >&2
fi

stamp=node_modules/.certkit-lock-stamp
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
npx tsc -p tsconfig.json
