/** The installer flags shared by `install` and `request --install`, turned into the recorded InstallerSpec. */
import { resolve } from 'node:path';
import { CertkitError } from '../errors.js';
import { InstallerSpecSchema, parse, type InstallerSpec } from '../config/schemas.js';

/** The install flags as commander hands them over; installerOptions() turns them into the InstallerSpec. */
export interface InstallFlags extends Omit<InstallerSpec, 'tlsPort' | 'parts'> {
  name?: string;
  fullchain?: string;
  key?: string;
  list?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  tlsPort?: string | number;
  pjsip?: boolean;
  http?: boolean;
  manager?: boolean;
  sip?: boolean;
}

export const absolute = (path: string | undefined) => (path === undefined ? undefined : resolve(path));

export function installerOptions(flags: InstallFlags): InstallerSpec {
  const tlsPort = flags.tlsPort === undefined ? undefined : Number(flags.tlsPort);
  if (tlsPort !== undefined && (!Number.isInteger(tlsPort) || tlsPort < 1 || tlsPort > 65535))
    throw new CertkitError('usage', `--tls-port must be a port number`);
  const parts = (['pjsip', 'http', 'manager', 'sip'] as const).filter((p) => flags[p]);
  const o = {
    // paths are recorded and replayed by renewals from any directory: absolute from here on
    serverRoot: absolute(flags.serverRoot),
    ctl: flags.ctl,
    vhost: flags.vhost,
    redirect: flags.redirect,
    hsts: flags.hsts,
    tls: flags.tls,
    basicAuth: absolute(flags.basicAuth),
    authPath: flags.authPath,
    tlsPort,
    configDir: absolute(flags.configDir),
    keysDir: absolute(flags.keysDir),
    parts: parts.length ? parts : undefined,
    pjsipBind: flags.pjsipBind,
    httpBind: flags.httpBind,
    managerBind: flags.managerBind,
    sipBind: flags.sipBind,
    method: flags.method,
    asterisk: flags.asterisk,
  };
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return parse(InstallerSpecSchema, defined, 'the install options');
}
