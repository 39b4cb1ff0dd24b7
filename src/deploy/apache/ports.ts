/**
 * Ports and addresses (pure): the HTTPS port a lineage already uses (a re-run keeps it), the TLS Listen the tree
 * already declares, the default TLS port of an install, the address a twin
 * listens on, whether the twin file needs its own Listen line, and where verification connects.
 */
import { loadApacheConfig, vhostServes, type ApacheConfig } from './config.js';
import type { ApachePlanOptions } from './plan-options.js';
import { chosenVhosts, ownTwinFiles } from './sites.js';

const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);

/**
 * The HTTPS port a site of this lineage already uses: certkit's own twin first, else a live TLS vhost serving
 * one of the names. A re-run without --tls-port keeps that port instead of moving the site to 443.
 */
export function existingTlsPort(cfg: ApacheConfig, lineage: string, names: string[]): number | undefined {
  const own = ownTwinFiles(cfg, lineage);
  const tls = cfg.vhosts.filter((v) => v.ssl);
  const site = tls.find((v) => own.has(v.file)) ?? tls.find((v) => names.some((n) => vhostServes(v, n)));
  return site?.addresses.find((a) => a.port)?.port;
}

const ANY_HOST = ['*', '', '0.0.0.0', '::'];

/**
 * The TLS port the tree already declares for vhosts on `host`: a live `Listen ... https`, a Listen inside
 * <IfModule ssl_module>/<IfModule mod_ssl.c> (Debian's ports.conf) or a Listen on 443, read as Apache will once
 * mod_ssl is loaded (an install loads it, which switches such a Listen on). `host` '*' (or _default_) takes a
 * TLS Listen on any address; ports in `notPorts` (the site's HTTP ports) are never the answer. Shared by
 * `install apache` and `certkit request`'s automatic install.
 */
export function declaredTlsPort(
  cfg: ApacheConfig,
  host: string,
  notPorts: number[] = [],
): number | undefined {
  const withSsl = cfg.modules.has('ssl_module')
    ? cfg
    : loadApacheConfig(cfg.serverRoot, cfg.view, {
        env: cfg.env,
        assumeModules: [...cfg.modules, 'ssl_module'],
      });
  const anyHost = host === '*' || host === '_default_';
  return withSsl.listens.find(
    (l) =>
      l.live &&
      l.tls &&
      l.port > 0 &&
      !notPorts.includes(l.port) &&
      (anyHost || ANY_HOST.includes(l.host) || l.host.toLowerCase() === host.toLowerCase()),
  )?.port;
}

/**
 * The TLS port of an install without --tls-port: the port of the lineage's twin or of a TLS vhost of its names
 * (a re-run keeps it), else the TLS Listen the tree declares for the site's address, else 443.
 */
export function defaultTlsPort(
  cfg: ApacheConfig,
  o: Pick<ApachePlanOptions, 'lineage' | 'names' | 'vhost'>,
): number {
  const existing = existingTlsPort(cfg, o.lineage, o.names);
  if (existing !== undefined) return existing;
  const site = chosenVhosts(cfg, o).find((v) => !v.ssl);
  const httpPorts = (site?.addresses ?? []).map((a) => a.port);
  return declaredTlsPort(cfg, site?.addresses[0]?.host ?? '*', httpPorts) ?? 443;
}

/** The address of the twin of an HTTP vhost on `host`: that host (a _default_ one as *), the TLS port. */
export function twinAddress(host: string, tlsPort: number): string {
  return `${bracket(host === '_default_' ? '*' : host)}:${tlsPort}`;
}

/**
 * The Listen line certkit's twin file carries for twins on `host`: none when a live Listen outside certkit's own
 * twin files already opens the TLS port for that host.
 */
export function twinListen(cfg: ApacheConfig, lineage: string, tlsPort: number, host: string): string[] {
  const own = ownTwinFiles(cfg, lineage);
  const listenNeeded = !cfg.listens.some(
    (l) =>
      l.live &&
      !own.has(cfg.view.real(l.file)) &&
      l.port === tlsPort &&
      (l.host === '*' || l.host === host || host === '*' || host === '_default_'),
  );
  return listenNeeded
    ? [`Listen ${host === '*' || host === '_default_' ? '' : `${bracket(host)}:`}${tlsPort}`]
    : [];
}

/** Where verification connects for a vhost on `host` (a wildcard address: this machine). */
export const connectHost = (h: string) => (h === '*' || h === '_default_' || h === '' ? '127.0.0.1' : h);
