/** What `certkit check` can look at, parsed from the command line or the config file. */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { CertkitError } from '../errors.js';
import { STARTTLS_BY_PORT, STARTTLS_PROTOCOLS, type StarttlsProtocol } from './starttls.js';

export type Target =
  | { kind: 'path'; path: string }
  | { kind: 'store' }
  | { kind: 'endpoint'; host: string; port: number; starttls?: StarttlsProtocol; label: string }
  /** a target that could not be understood: reported as a finding, the rest of the run goes on */
  | { kind: 'invalid'; spec: string; reason: string };

/** URL schemes: the port they imply and, for the plain-text protocols, the STARTTLS dialogue. */
const SCHEMES: Record<string, { port: number; starttls?: StarttlsProtocol }> = {
  https: { port: 443 },
  tls: { port: 443 }, // direct TLS on any port: how a label names it where the port usually speaks STARTTLS
  smtps: { port: 465 },
  imaps: { port: 993 },
  pop3s: { port: 995 },
  ldaps: { port: 636 },
  sips: { port: 5061 },
  smtp: { port: 25, starttls: 'smtp' },
  submission: { port: 587, starttls: 'smtp' },
  imap: { port: 143, starttls: 'imap' },
  pop3: { port: 110, starttls: 'pop3' },
  ftp: { port: 21, starttls: 'ftp' },
  xmpp: { port: 5222, starttls: 'xmpp' },
  postgres: { port: 5432, starttls: 'postgres' },
  postgresql: { port: 5432, starttls: 'postgres' },
  ldap: { port: 389, starttls: 'ldap' },
};

/** Ports that speak TLS from the first byte: --starttls never applies to them. */
const IMPLICIT_TLS_PORTS = new Set([443, 465, 636, 853, 990, 993, 995, 5061, 6697, 8443, 8089]);

/** Looks like a file name rather than a host: a missing file must be reported as missing, not as a bad host. */
const PATH_LIKE = /[/\\]|^\.|\.(pem|crt|cer|der|key|p7b|p7c|pfx|p12|chain)$/i;

function starttlsFlag(value: string | undefined): StarttlsProtocol | undefined {
  if (value === undefined) return undefined;
  if (!STARTTLS_PROTOCOLS.includes(value as StarttlsProtocol))
    throw new CertkitError('usage', `--starttls ${value}: use one of ${STARTTLS_PROTOCOLS.join(', ')}`);
  return value as StarttlsProtocol;
}

/**
 * STARTTLS is decided per target: a URL scheme says it (smtp://host:2525 is SMTP STARTTLS, https://host:8025 is
 * direct TLS); for a bare host:port, --starttls applies when the port was given and is not an implicit-TLS port,
 * else the port's usual protocol (25/587 SMTP, 143 IMAP, ...).
 */
export function parseTarget(spec: string, opts: { starttls?: string } = {}): Target {
  const flag = starttlsFlag(opts.starttls);
  if (spec === 'store') return { kind: 'store' };
  if (existsSync(spec) || PATH_LIKE.test(spec)) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return { kind: 'path', path: spec };
  }
  let rest = spec;
  let port = 443;
  let scheme: (typeof SCHEMES)[string] | undefined;
  const url = /^([a-z][a-z0-9+.-]*):\/\/(.+)$/i.exec(spec);
  if (url) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    scheme = SCHEMES[url[1]!.toLowerCase()];
    if (!scheme)
      throw new CertkitError(
        'usage',
        `"${spec}": unknown scheme "${url[1]}"`,
        `use one of ${Object.keys(SCHEMES).join(', ')}, or host:port`,
      );
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    rest = url[2]!.replace(/\/.*$/, '');
    port = scheme.port;
  }
  let host = rest;
  let portGiven = false;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    host = v6[1]!;
    if (v6[2]) {
      port = Number(v6[2]);
      portGiven = true;
    }
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':');
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- split() always yields at least one part
    host = h!;
    port = Number(p);
    portGiven = true;
  }
  // an internationalised name (bücher.example) is looked up, sent as SNI and matched in its ASCII form
  // (xn--bcher-kva.example), as browsers do; the label keeps what the user wrote
  const written = host;
  if (!isIP(host) && /[^\x00-\x7f]/.test(host)) host = domainToASCII(host);
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
  if (scheme) starttls = scheme.starttls;
  else if (flag && portGiven && !IMPLICIT_TLS_PORTS.has(port)) starttls = flag;
  else starttls = STARTTLS_BY_PORT[port];
  const hostPort = `${host.includes(':') ? `[${host}]` : written}:${port}`;
  return {
    kind: 'endpoint',
    host,
    port,
    starttls,
    // host:port when that alone says how the port is spoken; else the protocol too, so smtp://h:2525 and
    // https://h:2525 stay two targets in every report (and two Prometheus series)
    label: starttls === STARTTLS_BY_PORT[port] ? hostPort : `${starttls ?? 'tls'}://${hostPort}`,
  };
}

/** Every spec parsed; one that cannot be becomes an `invalid` target (a finding) unless `strict`. */
export function parseTargets(specs: string[], opts: { starttls?: string; strict?: boolean } = {}): Target[] {
  starttlsFlag(opts.starttls); // a bad flag is a usage error of the whole run
  return specs.map((spec) => {
    try {
      return parseTarget(spec, opts);
    } catch (err) {
      if (opts.strict || !(err instanceof CertkitError)) throw err;
      return { kind: 'invalid', spec, reason: err.message + (err.hint ? ` (${err.hint})` : '') };
    }
  });
}
