/**
 * Host-name and IP matching as the Web PKI does it (RFC 6125 / CA/B BR): only the subjectAltName counts
 * (no CN fallback), a wildcard is a whole left-most label covering exactly one label, never over a public
 * suffix, and an IP address matches only an iPAddress entry.
 */
import { isIP } from 'node:net';
import type { GeneralName } from './general-names.js';
import { isPublicSuffix } from './public-suffix.js';

export type PeerName = { kind: 'dns' | 'ip'; value: string };

const HOST = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/** A syntactically valid DNS host name (lowercased, no trailing dot), or null. */
export function normaliseDnsName(name: string): string | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.length === 0 || n.length > 253) return null;
  return HOST.test(n) ? n : null;
}

/** IPv4 in strict dotted-quad or IPv6 in any valid text form, as bytes; null when not an address. */
export function ipBytes(text: string): Buffer | null {
  const kind = isIP(text);
  if (kind === 4) {
    const parts = text.split('.');
    if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return null;
    return Buffer.from(parts.map(Number));
  }
  if (kind === 6) {
    let t = text;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
    if (v4) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
      const b = ipBytes(v4[1]!);
      if (!b) return null;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
      t = t.slice(0, -v4[1]!.length) + `${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
    }
    const [head, tail] = t.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const tl = tail ? tail.split(':') : [];
    const groups =
      tail === undefined ? h : [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
  }
  return null;
}

function dnsEntryMatches(entry: string, name: string): boolean {
  const e = entry.toLowerCase();
  if (!e.startsWith('*.')) return normaliseDnsName(e) === name;
  const base = normaliseDnsName(e.slice(2));
  if (!base || !base.includes('.') || isPublicSuffix(base)) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === base;
}

/** Does the certificate's SAN cover this peer name? */
export function sanCovers(san: GeneralName[] | undefined, peer: PeerName): boolean {
  if (!san) return false;
  if (peer.kind === 'ip') {
    const want = ipBytes(peer.value);
    return !!want && san.some((n) => n.kind === 'ip' && n.bytes.equals(want));
  }
  const name = normaliseDnsName(peer.value);
  return !!name && san.some((n) => n.kind === 'dns' && dnsEntryMatches(n.value, name));
}

/** "10.0.0.1" -> ip, anything else -> dns. */
export function peerName(value: string): PeerName {
  const v = value.replace(/^\[|\]$/g, '');
  return isIP(v) ? { kind: 'ip', value: v } : { kind: 'dns', value };
}
