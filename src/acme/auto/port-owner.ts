/**
 * Who holds a TCP port: the listening sockets in /proc/net/tcp{,6}, their inodes matched against
 * /proc/PID/fd/* links, the process name from /proc/PID/comm. Read-only; the proc root is a parameter.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface PortOwner {
  port: number;
  /** the process name when /proc lets us see it (other users' processes need root) */
  name: string | null;
  pid: number | null;
}

const LISTEN = '0A';

/** Inodes of the sockets listening on `port` (IPv4 and IPv6), from /proc/net/tcp-format text. */
export function listeningInodes(tables: string[], port: number): string[] {
  const inodes: string[] = [];
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- f.length >= 10 (checked above)
      const localPort = parseInt(f[1]!.split(':')[1] ?? '', 16);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- f.length >= 10 (checked above)
      if (localPort === port) inodes.push(f[9]!);
    }
  }
  return inodes;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** null when nothing listens on the port; else what we could learn about the listener. */
export function findPortOwner(port: number, procRoot = '/proc'): PortOwner | null {
  const tables = ['net/tcp', 'net/tcp6'].map((t) => readOr(join(procRoot, t))).filter((t) => t !== null);
  const inodes = new Set(listeningInodes(tables, port));
  if (inodes.size === 0) return null;
  let pids: string[] = [];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    /* no /proc listing */
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, pid, 'fd'));
    } catch {
      continue; // another user's process: not readable without root
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(join(procRoot, pid, 'fd', fd));
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
      if (m && inodes.has(m[1]!)) {
        const name = readOr(join(procRoot, pid, 'comm'))?.trim() || null;
        return { port, name, pid: Number(pid) };
      }
    }
  }
  return { port, name: null, pid: null };
}

export const isApacheProcess = (name: string | null) => !!name && /^(apache2|httpd)/.test(name);

export function describeOwner(o: PortOwner): string {
  return o.name
    ? `${o.name} (pid ${o.pid})`
    : 'another program (its name is not readable: run as root to see it)';
}
