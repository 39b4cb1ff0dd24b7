#!/bin/sh
# A dns-01 hook for `certkit request --dns-hook`: sets and clears the TXT record through the management
# API of pebble-challtestsrv (the DNS server of the local test CA). Copy it and replace the two curl lines
# with your DNS provider's API (or nsupdate) to use it for real.
#
# certkit runs it with:
#   CERTKIT_DNS_ACTION  present | cleanup
#   CERTKIT_DNS_NAME    _acme-challenge.example.com.   (FQDN, trailing dot)
#   CERTKIT_DNS_VALUE   the TXT value
#   CERTKIT_DOMAIN      example.com
# and waits until the record is visible (--dns-resolver) before asking the CA to check it.
set -eu
api="${CHALLTESTSRV:-http://127.0.0.1:8055}"
case "$CERTKIT_DNS_ACTION" in
  present) curl -fsS -X POST -d "{\"host\":\"$CERTKIT_DNS_NAME\",\"value\":\"$CERTKIT_DNS_VALUE\"}" "$api/set-txt" ;;
  cleanup) curl -fsS -X POST -d "{\"host\":\"$CERTKIT_DNS_NAME\"}" "$api/clear-txt" ;;
  *) echo "unknown action $CERTKIT_DNS_ACTION" >&2; exit 2 ;;
esac
