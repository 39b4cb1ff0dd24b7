/**
 * Which names a public CA will issue for (CA/Browser Forum BR 4.2.2 and 3.2.2.6): no internal names, no
 * reserved IP addresses, no wildcard directly under a public suffix. The Public Suffix List comes from
 * tldts (kept up to date by its maintainers), never from a hand-written list. Pure.
 */
import { BlockList, isIP } from 'node:net';
import { parse } from 'tldts';
import type { Violation } from './rules.js';

interface Range {
  cidr: string;
  what: string;
}

/** IANA special-purpose registries (what the BRs call "Reserved IP Address"), plus multicast. */
const RESERVED_RANGES: Range[] = [
  { cidr: '0.0.0.0/8', what: '"this network" address, RFC 791' },
  { cidr: '10.0.0.0/8', what: 'private address, RFC 1918' },
  { cidr: '100.64.0.0/10', what: 'carrier-grade NAT address, RFC 6598' },
  { cidr: '127.0.0.0/8', what: 'loopback address, RFC 1122' },
  { cidr: '169.254.0.0/16', what: 'link-local address, RFC 3927' },
  { cidr: '172.16.0.0/12', what: 'private address, RFC 1918' },
  { cidr: '192.0.0.0/24', what: 'IETF protocol address, RFC 6890' },
  { cidr: '192.0.2.0/24', what: 'documentation address, RFC 5737' },
  { cidr: '192.88.99.0/24', what: '6to4 relay address, RFC 7526' },
  { cidr: '192.168.0.0/16', what: 'private address, RFC 1918' },
  { cidr: '198.18.0.0/15', what: 'benchmarking address, RFC 2544' },
  { cidr: '198.51.100.0/24', what: 'documentation address, RFC 5737' },
  { cidr: '203.0.113.0/24', what: 'documentation address, RFC 5737' },
  { cidr: '224.0.0.0/4', what: 'multicast address, RFC 5771' },
  { cidr: '240.0.0.0/4', what: 'reserved address, RFC 1112' },
  { cidr: '::/127', what: 'unspecified or loopback address, RFC 4291' },
  { cidr: '64:ff9b::/96', what: 'NAT64 address, RFC 6052' },
  { cidr: '64:ff9b:1::/48', what: 'local NAT64 address, RFC 8215' },
  { cidr: '100::/64', what: 'discard-only address, RFC 6666' },
  { cidr: '2001::/23', what: 'IETF protocol address, RFC 2928' },
  { cidr: '2001:db8::/32', what: 'documentation address, RFC 3849' },
  { cidr: '2002::/16', what: '6to4 address, RFC 3056' },
  { cidr: '3fff::/20', what: 'documentation address, RFC 9637' },
  { cidr: 'fc00::/7', what: 'unique local address, ULA, RFC 4193' },
  { cidr: 'fe80::/10', what: 'link-local address, RFC 4291' },
  { cidr: 'ff00::/8', what: 'multicast address, RFC 4291' },
];

const RANGE_LISTS = RESERVED_RANGES.map((r) => {
  const [net, bits] = r.cidr.split('/') as [string, string];
  const list = new BlockList();
  list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  return { ...r, list };
});

/** What kind of non-public address ip is (e.g. "private address, RFC 1918"), or null for a public one. */
export function reservedAddressKind(ip: string): string | null {
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return RANGE_LISTS.find((r) => r.list.check(ip, type))?.what ?? null;
}

/** Suffixes the PSL lists as delegated but that are reserved for private use. */
const PRIVATE_USE_SUFFIXES = ['home.arpa'];

/** Why a DNS name is internal (no public CA may issue for it), or null when it is a public name. */
export function internalNameKind(name: string): string | null {
  const host = name.replace(/^\*\./, '');
  if (!host.includes('.')) return `a single-label name ("${host}" has no domain)`;
  const suffix = PRIVATE_USE_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return `an internal name (.${suffix} is reserved for private networks, RFC 8375)`;
  const p = parse(host, { allowPrivateDomains: true });
  if (!p.isIcann && !p.isPrivate) {
    const tld = host.slice(host.lastIndexOf('.') + 1);
    return `an internal name (.${tld} is not a public top-level domain)`;
  }
  return null;
}

/** Whether a (non-wildcard) name is itself a public suffix ("co.uk", "github.io"): no one can own it. */
export function isPublicSuffix(name: string): boolean {
  if (name.startsWith('*.') || isIP(name) !== 0) return false;
  const p = parse(name, { allowPrivateDomains: true });
  return (p.isIcann === true || p.isPrivate === true) && p.publicSuffix === name;
}

/** The public suffix a wildcard sits directly under ("*.co.uk" → "co.uk"), else null. */
export function wildcardPublicSuffix(name: string): string | null {
  if (!name.startsWith('*.')) return null;
  const rest = name.slice(2);
  const p = parse(rest, { allowPrivateDomains: true });
  return (p.isIcann || p.isPrivate) && p.publicSuffix === rest ? rest : null;
}

const PRIVATE_CA_HINT = 'use a public name, or --private-ca if an internal CA will sign it';

/** The public-CA name rules for one normalised name; privateCa lifts the internal-name rules. */
export function publicNameViolations(name: string, opts: { privateCa?: boolean } = {}): Violation[] {
  const v: Violation[] = [];
  const wildSuffix = wildcardPublicSuffix(name);
  if (wildSuffix) {
    v.push({
      rule: 'BR 3.2.2.6 wildcard under a public suffix',
      message: `"${name}" would cover every domain under the public suffix ${wildSuffix}: no CA issues it; use a wildcard under your own domain (*.example.${wildSuffix})`,
    });
  }
  if (isPublicSuffix(name)) {
    v.push({
      rule: 'BR 3.2.2.6 public suffix',
      message: `"${name}" is a public suffix (like .com), not a domain anyone can own: no CA issues it; give your own domain under it`,
    });
  }
  if (v.length || opts.privateCa) return v;
  const ipKind = reservedAddressKind(name);
  if (ipKind) {
    v.push({
      rule: 'BR 4.2.2 reserved IP address',
      message: `"${name}" is not a public address (${ipKind}): public CAs refuse it; ${PRIVATE_CA_HINT.replace('name', 'address')}`,
    });
  } else if (isIP(name) === 0) {
    const kind = internalNameKind(name);
    if (kind)
      v.push({
        rule: 'BR 4.2.2 internal name',
        message: `"${name}" is ${kind}: public CAs refuse it; ${PRIVATE_CA_HINT}`,
      });
  }
  return v;
}
