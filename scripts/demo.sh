#!/usr/bin/env bash
# Interim demo (until the ACME and Apache parts land): a self-contained inspect/list tour on generated files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
sandbox=.sandbox/demo
if [ "${1:-}" = "--clean" ]; then rm -rf "$sandbox"; echo "removed $sandbox"; exit 0; fi
rm -rf "$sandbox"; mkdir -p "$sandbox"; cd "$sandbox"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -subj "/CN=Demo Root" -days 3650 -addext basicConstraints=critical,CA:true 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout site.key -out site.csr -subj "/CN=www.example.test" 2>/dev/null
printf 'subjectAltName=DNS:www.example.test,DNS:example.test\n' > site.ext
openssl x509 -req -in site.csr -CA root.pem -CAkey root.key -out site.pem -days 90 -extfile site.ext 2>/dev/null
cat root.pem site.pem > reversed-bundle.pem
ck() { echo "\$ certkit $*"; node ../../bin/certkit.js "$@" || true; echo; }
ck inspect reversed-bundle.pem --ca-file root.pem
ck inspect site.pem --key root.key
ck --store ./store list
