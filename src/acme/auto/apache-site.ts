/**
 * Which Apache vhost answers plain HTTP for each name, where its DocumentRoot is, and whether that Apache is
 * running: read from the configuration (the Apache discovery) and the port's owner in /proc.
 */
import { isAbsolute, join } from 'node:path';
import { CertkitError } from '../../errors.js';
import {
  loadApacheConfig,
  vhostLocation,
  vhostNames,
  vhostServes,
  type ApacheConfig,
  type Vhost,
} from '../../deploy/apache/config.js';
import { defaultServerRoot } from '../../deploy/apache/ctl.js';
import { findPortOwner, isApacheProcess, type PortOwner } from './port-owner.js';

export interface ServedName {
  name: string;
  /** where to connect to reach the vhost */
  host: string;
  port: number;
  docroot: string | null;
  vhostFile: string;
  /** FILE:LINE of the vhost (what `install apache --vhost` takes) */
  vhostLocation: string;
  /** set when no vhost names it and the port's default (nameless) vhost serves it: why */
  byDefault?: string;
}

export interface ApacheFinding {
  serverRoot: string;
  cfg: ApacheConfig;
  /** the plain-HTTP port the names are served on (the one the CA validates) */
  port: number;
  /** the names a plain-HTTP vhost on that port serves, with where */
  served: ServedName[];
  /** names no plain-HTTP vhost on that port serves */
  unserved: string[];
  /** why the port's default vhost does not answer for the unserved names (null: there are none) */
  noDefault: string | null;
  /** who listens on the port (null: nobody) */
  owner: PortOwner | null;
  running: boolean;
}

const connectHost = (h: string) => (h === '*' || h === '_default_' || h === '' ? '127.0.0.1' : h);
/** The Listen addresses, a bare `Listen 80` read as port 80 on every address. */
export function listenAddresses(cfg: ApacheConfig): { host: string; port: number }[] {
  return cfg.listens.map((l) =>
    /^\d+$/.test(l.host) && !l.port
      ? { host: '*', port: Number(l.host) }
      : { host: l.host, port: l.port || 80 },
  );
}

/** Where to connect for a vhost address: `*:80` on a server that listens only on one address means that one. */
function reachableHost(cfg: ApacheConfig, host: string, port: number): string {
  if (host !== '*' && host !== '_default_' && host !== '') return host;
  const listens = listenAddresses(cfg).filter((l) => l.port === port);
  const specific = listens.find((l) => !['*', '', '0.0.0.0', '::'].includes(l.host));
  return specific && listens.every((l) => l.host === specific.host) ? specific.host : connectHost(host);
}

const vhostPort = (v: Vhost, wanted: number | undefined) =>
  v.addresses.find((a) => wanted === undefined || (a.port || 80) === wanted);

function expandVars(cfg: ApacheConfig, s: string): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => cfg.env[n] ?? process.env[n] ?? '');
}

export function documentRoot(cfg: ApacheConfig, v: Vhost): string | null {
  // the vhost's own, or from a file it includes (as Apache reads it)
  if (!v.documentRoot) return null;
  const p = expandVars(cfg, v.documentRoot).replace(/\/+$/, '') || '/';
  return isAbsolute(p) ? p : join(cfg.serverRoot, p);
}

const describeVhost = (v: Vhost) =>
  `${vhostLocation(v)} (${vhostNames(v).join(', ') || 'no ServerName'}, ${v.addressText.join(' ')})`;

/**
 * Pure: the vhost that answers on `port` for a name no ServerName/ServerAlias matches — Apache's rule: among
 * the vhosts for the address:port the connection arrived on, the FIRST one listed (the "default server" of that
 * address in `apache2 -S`). certkit answers through it only when
 * - every vhost on the port has the same address (`*:80` everywhere, as on a stock server): with vhosts on
 *   several addresses, which set applies depends on the IP the name resolves to, which certkit cannot know;
 * - it is a plain-HTTP vhost without ServerName/ServerAlias (Debian's stock 000-default): a default that names
 *   another site (other.example.com) still gets the request, but it is that site's configuration — an HTTPS
 *   twin of it for this name would serve the other site's content under this name, so certkit refuses and
 *   says which vhost it is instead of guessing.
 */
export function defaultVhost(cfg: ApacheConfig, port: number): { vhost: Vhost | null; why: string } {
  const onPort = cfg.vhosts.filter((v) => vhostPort(v, port));
  const first = onPort[0];
  if (!first) return { vhost: null, why: `no vhost listens on port ${port}` };
  const address = (v: Vhost) => (vhostPort(v, port)?.host ?? '*').replace(/^(_default_|)$/, '*');
  const hosts = new Set(onPort.map(address));
  if (hosts.size > 1)
    return {
      vhost: null,
      why: `the vhosts on port ${port} use several addresses (${[...hosts].join(', ')}), so the default site depends on the address the name resolves to`,
    };
  if (first.ssl)
    return { vhost: null, why: `the default site for port ${port} is a TLS vhost, ${describeVhost(first)}` };
  if (vhostNames(first).length)
    return {
      vhost: null,
      why: `the default site for port ${port} (the first one listed) is the site of ${vhostNames(first).join(', ')}, ${vhostLocation(first)}`,
    };
  return {
    vhost: first,
    why: `Apache serves names no site claims from the first vhost for ${address(first)}:${port}, ${vhostLocation(first)}, which has no ServerName`,
  };
}

/**
 * Pure: the FILE:LINE `apache2 -S` gives as the default server of ADDRESS:PORT — the "default server" line
 * under "ADDRESS:PORT is a NameVirtualHost", or the only vhost of the address on its single line; null when
 * the output does not list the address.
 */
export function defaultServerInDump(output: string, address: string, port: number): string | null {
  const addr = `${address}:${port}`.replace(/[.*[\]]/g, '\\$&');
  const named = new RegExp(
    `^${addr}\\s+is a NameVirtualHost\\s*\\n\\s+default server \\S+ \\((.+)\\)\\s*$`,
    'm',
  );
  const single = new RegExp(`^${addr}\\s+\\S+ \\((.+)\\)\\s*$`, 'm');
  return (named.exec(output) ?? single.exec(output))?.[1] ?? null;
}

/** Pure: which plain-HTTP vhosts serve the names, on the wanted port or (not given) the most common one. */
export function serveNames(
  cfg: ApacheConfig,
  names: string[],
  wantedPort?: number,
): { port: number; served: ServedName[]; unserved: string[]; noDefault: string | null } {
  const http = cfg.vhosts.filter((v) => !v.ssl);
  const candidates = (name: string) => http.filter((v) => vhostServes(v, name) && vhostPort(v, wantedPort));
  let port = wantedPort;
  if (port === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- candidates() keeps only vhosts for which vhostPort() returned a port
    const ports = names.flatMap((n) => candidates(n).map((v) => vhostPort(v, undefined)!.port || 80));
    port = ports.includes(80) ? 80 : (ports[0] ?? 80);
  }
  const fallback = defaultVhost(cfg, port);
  const served: ServedName[] = [];
  const unserved: string[] = [];
  for (const name of names) {
    const named = candidates(name).find((c) => vhostPort(c, port));
    // a wildcard name is proven over DNS, never through a site
    const v = named ?? (name.startsWith('*.') ? undefined : (fallback.vhost ?? undefined));
    if (!v) {
      unserved.push(name);
      continue;
    }
    served.push({
      name,
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- candidates() keeps only vhosts for which vhostPort() returned a port
      host: reachableHost(cfg, vhostPort(v, port)!.host, port),
      port: port,
      docroot: documentRoot(cfg, v),
      vhostFile: v.file,
      vhostLocation: vhostLocation(v),
      ...(named ? {} : { byDefault: fallback.why }),
    });
  }
  return { port, served, unserved, noDefault: unserved.length ? fallback.why : null };
}

/**
 * The Apache on this machine (or under serverRoot) and what it serves. null when there is no Apache
 * configuration and none was named; a named root that holds none is an error.
 */
export function findApache(o: {
  serverRoot?: string;
  names: string[];
  port?: number;
  procRoot?: string;
}): ApacheFinding | null {
  let serverRoot = o.serverRoot;
  if (!serverRoot) {
    try {
      serverRoot = defaultServerRoot();
    } catch (err) {
      if (err instanceof CertkitError && err.kind === 'not-found') return null;
      throw err;
    }
  }
  const cfg = loadApacheConfig(serverRoot);
  const { port, served, unserved, noDefault } = serveNames(cfg, o.names, o.port);
  const owner = findPortOwner(port, o.procRoot);
  const apacheListens = listenAddresses(cfg).some((l) => l.port === port);
  // this tree's Apache: it listens on the port, and the port's owner is an httpd (or cannot be named)
  const running = !!owner && apacheListens && (isApacheProcess(owner.name) || owner.name === null);
  return { serverRoot, cfg, port, served, unserved, noDefault, owner, running };
}
