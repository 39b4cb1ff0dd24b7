/**
 * What configured a port: an Apache vhost (file:line, names, whether it asks for a password where), an Asterisk
 * part (pjsip transport, http, manager, chan_sip), read from their configs; else only the owning process.
 * Pure mapping over already-read descriptions; the readers are in origins-apache.ts / origins-asterisk.ts.
 */
export interface ApacheSite {
  file: string;
  line: number;
  names: string[];
  addresses: { host: string; port: number }[];
  ssl: boolean;
  /** URL paths that require authentication in this vhost (Location/Directory/Files blocks with Require valid-user / AuthType) */
  authPaths: string[];
  /** URL paths the configuration marks as administrative (Location or Alias whose path says admin) */
  adminPaths: string[];
}

export type AsteriskPart = 'pjsip' | 'http' | 'manager' | 'sip';

export interface AsteriskListener {
  part: AsteriskPart;
  /** a pjsip transport's section name, else the part */
  section: string;
  file: string;
  transport: 'tcp' | 'udp';
  address: string;
  port: number;
  tls: boolean;
}

export type Origin =
  | { kind: 'apache'; sites: ApacheSite[] }
  | { kind: 'asterisk'; listener: AsteriskListener }
  | { kind: 'process'; name: string; pid: number }
  | { kind: 'unknown' };

const wildcard = (h: string) => h === '*' || h === '_default_' || h === '' || h === '0.0.0.0' || h === '::';

function addressMatches(configured: string, bound: string): boolean {
  if (wildcard(configured) || wildcard(bound)) return true;
  return configured.replace(/^\[|\]$/g, '').toLowerCase() === bound.toLowerCase();
}

export function originFor(
  socket: { transport: 'tcp' | 'udp'; address: string; port: number },
  sites: ApacheSite[],
  asterisk: AsteriskListener[],
  owner: { name: string; pid: number } | undefined,
): Origin {
  if (socket.transport === 'tcp') {
    const hits = sites.filter((s) =>
      s.addresses.some((a) => a.port === socket.port && addressMatches(a.host, socket.address)),
    );
    if (hits.length && (!owner || /apache|httpd/.test(owner.name))) return { kind: 'apache', sites: hits };
  }
  const ast = asterisk.find(
    (l) =>
      l.transport === socket.transport && l.port === socket.port && addressMatches(l.address, socket.address),
  );
  if (ast && (!owner || /asterisk/.test(owner.name))) return { kind: 'asterisk', listener: ast };
  if (owner) return { kind: 'process', name: owner.name, pid: owner.pid };
  return { kind: 'unknown' };
}

export function describeOrigin(o: Origin): string {
  switch (o.kind) {
    case 'apache':
      return o.sites.map((s) => `apache ${s.names[0] ?? '(no ServerName)'} (${s.file}:${s.line})`).join(', ');
    case 'asterisk':
      return `asterisk ${o.listener.part}${o.listener.part === 'pjsip' ? ` [${o.listener.section}]` : ''} (${o.listener.file})`;
    case 'process':
      return `${o.name} (pid ${o.pid})`;
    default:
      return '-';
  }
}
