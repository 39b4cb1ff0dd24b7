/** What `certkit check` can look at, parsed from the command line or the config file. */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { CertkitError } from '../errors.js';
import { STARTTLS_BY_PORT, STARTTLS_PROTOCOLS, type StarttlsProtocol } from './starttls.js';

export type Target =
  | { kind: 'path'; path: string }
  | { kind: 'store' }
  | { kind: 'endpoint'; host: string; port: number; starttls?: StarttlsProtocol; label: string };

export function parseTarget(spec: string, opts: { starttls?: string } = {}): Target {
  if (spec === 'store') return { kind: 'store' };
  if (existsSync(spec)) return { kind: 'path', path: spec };
  let rest = spec;
  let port = 443;
  const url = /^([a-z]+):\/\/(.+)$/i.exec(spec);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    rest = url[2]!.replace(/\/.*$/, '');
    port =
      (
        { https: 443, smtps: 465, imaps: 993, pop3s: 995, ldaps: 636, smtp: 25, sips: 5061 } as Record<
          string,
          number
        >
      )[scheme] ?? 443;
  }
  let host = rest;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':');
    host = h!;
    port = Number(p);
  }
  if (
    !host ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65535 ||
    (!isIP(host) && !/^[a-z0-9*._-]+$/i.test(host))
  ) {
    throw new CertkitError('usage', `"${spec}" is neither a file, a directory, "store", nor host[:port]`);
  }
  let starttls: StarttlsProtocol | undefined;
  if (opts.starttls) {
    if (!STARTTLS_PROTOCOLS.includes(opts.starttls as StarttlsProtocol))
      throw new CertkitError(
        'usage',
        `--starttls ${opts.starttls}: use one of ${STARTTLS_PROTOCOLS.join(', ')}`,
      );
    starttls = opts.starttls as StarttlsProtocol;
  } else starttls = STARTTLS_BY_PORT[port];
  return {
    kind: 'endpoint',
    host,
    port,
    starttls,
    label: `${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}
