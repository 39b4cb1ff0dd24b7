/**
 * Listening sockets read from /proc/net/{tcp,tcp6,udp,udp6} — no nmap, no ss needed. Pure parsing of the
 * kernel's table format, plus one reader that takes the /proc root as a parameter (tests, containers).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Transport = 'tcp' | 'udp';
/** loopback: reachable only from this host; all: every interface (0.0.0.0 / ::); address: one interface */
export type BindScope = 'loopback' | 'all' | 'address';

export interface ListeningSocket {
  transport: Transport;
  family: 4 | 6;
  address: string;
  port: number;
  scope: BindScope;
  inode: number;
  uid: number;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/** "0100007F" (little-endian 32-bit word) -> "127.0.0.1" */
function ipv4FromHex(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

/** 32 hex digits: four little-endian 32-bit words -> compressed IPv6 text (IPv4-mapped shown as ::ffff:a.b.c.d) */
function ipv6FromHex(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // compress the longest run of zero groups (RFC 5952)
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const txt = groups.map((g) => g.toString(16));
  if (bestStart < 0) return txt.join(':');
  const head = txt.slice(0, bestStart).join(':');
  const tail = txt.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function scopeOf(address: string): BindScope {
  if (address === '0.0.0.0' || address === '::') return 'all';
  if (/^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address)) return 'loopback';
  return 'address';
}

/** One /proc/net table (its text), the LISTEN (tcp) or unconnected (udp) rows only. */
export function parseProcNet(text: string, transport: Transport, family: 4 | 6): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, state, , , , uid, , inode] = [f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]];
    if (!local || !state || !remote) continue;
    if (state !== (transport === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
    const [hexAddr, hexPort] = local.split(':');
    if (!hexAddr || !hexPort) continue;
    const address = family === 4 ? ipv4FromHex(hexAddr) : ipv6FromHex(hexAddr);
    out.push({
      transport,
      family,
      address,
      port: parseInt(hexPort, 16),
      scope: scopeOf(address),
      inode: Number(inode),
      uid: Number(uid),
    });
  }
  return out;
}

/** Every listening TCP socket and bound UDP socket of this host (all network namespaces' view of ours). */
export async function listeningSockets(procRoot = '/proc'): Promise<ListeningSocket[]> {
  const tables: [string, Transport, 4 | 6][] = [
    ['tcp', 'tcp', 4],
    ['tcp6', 'tcp', 6],
    ['udp', 'udp', 4],
    ['udp6', 'udp', 6],
  ];
  const all: ListeningSocket[] = [];
  for (const [file, transport, family] of tables) {
    const text = await readFile(join(procRoot, 'net', file), 'utf8').catch(() => '');
    all.push(...parseProcNet(text, transport, family));
  }
  const seen = new Set<string>();
  return all.filter((s) => {
    const k = `${s.transport}|${s.address}|${s.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
