#!/usr/bin/env bash
# The paid-CA flow without a terminal: the CSR wizard from flags, the "CA" signs it (here a local test CA
# made with openssl stands in for Sectigo/DigiCert), the certificate comes back as an unordered .p7b,
# certkit imports it (finding the key from the pending order), and installs it into Apache (--dry-run
# here unless APACHE_ROOT/TLS_PORT point at a server you may change).
#   usage: examples/paid-ca-flow.sh WORKDIR [APACHE_ROOT TLS_PORT]
set -euo pipefail
work=$1; apache_root=${2:-}; tls_port=${3:-443}
certkit() { node "$(dirname "$0")/../bin/certkit.cjs" --store "$work/store" "$@"; }
mkdir -p "$work/ca" "$work/order"

# 1. the order: OV, two names; no TTY, so every answer is a flag
certkit csr --wizard --product ov -d shop.example.com -d www.shop.example.com \
  --org "Example Shop Ltd" --locality Leeds --state "West Yorkshire" --country GB --yes --out-dir "$work/order" > "$work/order/next-steps.txt"

# 2. the CA (a local stand-in) signs the CSR and sends back a .p7b with root, leaf and intermediate in no order
cd "$work/ca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -subj "/CN=Example Paid Root" -days 3650 -addext basicConstraints=critical,CA:true 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj "/CN=Example Paid OV CA" 2>/dev/null
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.ext
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -out int.pem -days 1000 -extfile int.ext 2>/dev/null
printf 'subjectAltName=DNS:shop.example.com,DNS:www.shop.example.com\nextendedKeyUsage=serverAuth\n' > leaf.ext
openssl x509 -req -in "$work/order/shop.example.com.csr" -CA int.pem -CAkey int.key -out leaf.pem -days 200 -extfile leaf.ext 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile root.pem -certfile leaf.pem -certfile int.pem -out "$work/order/from-the-ca.p7b"
cd - > /dev/null

# 3. import: chain rebuilt leaf-first, root left out, key found from the pending order
certkit import --cert "$work/order/from-the-ca.p7b"

# 4. install
if [ -n "$apache_root" ]; then
  certkit install apache --name shop.example.com --server-root "$apache_root" --tls-port "$tls_port" --yes
else
  certkit list
fi
