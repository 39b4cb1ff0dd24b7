/**
 * The automatic challenge choice when no solver flag is given (pure: the facts come in, a decision goes out):
 * a wildcard needs DNS; a running Apache that serves every name answers http-01; a free port means the
 * built-in server; a port held by something else stops with what holds it and the flags that would work.
 */
import { usageError } from '../../errors.js';
import type { ChallengeSettings } from '../solvers/types.js';
import { describeOwner, type PortOwner } from './port-owner.js';

export interface ChoiceFacts {
  names: string[];
  /** the port the CA fetches http-01 from (80, or --http-port) */
  port: number;
  /** what the Apache discovery found (null: no Apache configuration) */
  apache: {
    serverRoot: string;
    ctl?: string;
    port: number;
    running: boolean;
    served: { name: string; vhostFile: string; vhostLocation?: string; byDefault?: string }[];
    unserved: string[];
    /** why the port's default vhost does not answer for the unserved names */
    noDefault?: string | null;
  } | null;
  /** who holds `port` (null: nobody) */
  owner: PortOwner | null;
}

export interface Choice {
  challenge: ChallengeSettings;
  /** the one line that says what was chosen and why */
  line: string;
  /** Apache serves the names: install there afterwards */
  apache: boolean;
}

export function chooseChallenge(f: ChoiceFacts): Choice {
  const wild = f.names.filter((n) => n.startsWith('*.'));
  if (wild.length)
    throw usageError(
      `${wild.join(', ')}: a wildcard can only be proven over DNS (dns-01), so certkit cannot choose for you`,
      'add --dns-hook CMD to set the TXT record (see docs/dns-hook.md), or --manual to set it by hand',
    );
  const a = f.apache;
  if (a && a.running && a.unserved.length === 0) {
    const files = [...new Set(a.served.map((s) => s.vhostFile))].join(', ');
    const byDefault = a.served.filter((s) => s.byDefault);
    const why = byDefault[0]?.byDefault;
    const line = why
      ? `no Apache site names ${byDefault.map((s) => s.name).join(', ')}, so Apache's default site on port ${a.port} serves ${byDefault.length > 1 ? 'them' : 'it'} (${why}): answering http-01 through it`
      : `Apache serves ${f.names.join(', ')} on port ${a.port} (${files}): answering http-01 through it`;
    return {
      challenge: { type: 'apache', serverRoot: a.serverRoot, ...(a.ctl ? { ctl: a.ctl } : {}), port: a.port },
      line,
      apache: true,
    };
  }
  if (!f.owner) {
    const why =
      a && a.unserved.length === 0
        ? `Apache is configured for ${f.names.join(', ')} but not running`
        : `no running web server serves ${f.names.join(', ')}`;
    return {
      challenge: { type: 'standalone', port: f.port, address: '' },
      line: `${why} and port ${f.port} is free: answering http-01 with certkit's built-in server`,
      apache: false,
    };
  }
  const holder = describeOwner(f.owner);
  if (a?.running && a.port === f.port && a.unserved.length)
    throw usageError(
      `port ${f.port} is held by Apache ${holder}, but none of its port-${f.port} sites serves ${a.unserved.join(', ')}${a.noDefault ? ` (${a.noDefault})` : ''}`,
      `add the names as ServerName/ServerAlias of the site, or give --webroot DIR (the document root that answers for them), or --dns-hook CMD`,
    );
  throw usageError(
    `port ${f.port} is held by ${holder}, so certkit can neither answer through Apache nor start its own server`,
    `answer through that server with --webroot DIR (its document root for ${f.names[0]}), or use --dns-hook CMD; or stop it and use --standalone`,
  );
}
