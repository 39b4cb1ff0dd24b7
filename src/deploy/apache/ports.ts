/**
 * Ports and addresses (pure): the HTTPS port a lineage already uses (a re-run keeps it), the address a twin
 * listens on, whether the twin file needs its own Listen line, and where verification connects.
 */
import { vhostServes, type ApacheConfig } from './config.js';
import { ownTwinFiles } from './sites.js';

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
