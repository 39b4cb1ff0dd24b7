import { join, resolve } from 'node:path';
import { CertkitError } from '../../errors.js';
import { recordInstaller } from '../../deploy/after-issue.js';
import { InstallerSpecSchema, parse, type InstallerSpec } from '../../config/schemas.js';
import { Store } from '../../store/store.js';
import { style, table } from '../style.js';
import type { Context } from '../context.js';

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

const absolute = (path: string | undefined) => (path === undefined ? undefined : resolve(path));

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

async function confirm(ctx: Context, diff: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return true;
  ctx.out(diff);
  const { confirm: ask } = await import('@inquirer/prompts');
  return ask({ message: 'Apply these changes?', default: true });
}

export async function runInstall(ctx: Context, target: string, flags: InstallFlags): Promise<number> {
  if (target !== 'apache' && target !== 'asterisk')
    throw new CertkitError('usage', `unknown target "${target}"`, 'use apache or asterisk');
  if (target === 'apache' && flags.list) {
    const { listVhosts } = await import('../../deploy/apache/install.js');
    const listing = await listVhosts(absolute(flags.serverRoot), { ctl: flags.ctl });
    if (ctx.json) ctx.out(JSON.stringify(listing, null, 2));
    else {
      for (const l of table(
        listing.vhosts.map((v) => [
          v.addresses.join(' '),
          v.names.join(', ') || '-',
          v.ssl ? 'TLS' : v.addresses.some((a) => /:443$/.test(a)) ? 'HTTP (443, no SSLEngine)' : 'HTTP',
          v.live ? 'yes' : `no: ${v.offBecause.join(' ')}`,
          v.location,
        ]),
        ['ADDRESS', 'NAMES', 'KIND', 'LIVE', 'FILE:LINE'],
      ))
        ctx.out(l);
      for (const d of listing.apache.differences) ctx.out(`note: Apache and certkit disagree: ${d}`);
      if (!listing.apache.asked)
        ctx.out(`note: LIVE is certkit's reading, not confirmed by Apache (${listing.apache.cause})`);
    }
    return 0;
  }
  if (!flags.name && !(flags.fullchain && flags.key))
    throw new CertkitError(
      'usage',
      'which certificate?',
      'give --name LINEAGE (see certkit list), or --fullchain FILE and --key FILE',
    );
  const store = new Store(ctx.storeRoot);
  const settings = flags.name ? await store.requireLineage(flags.name) : null;
  const lineage = flags.name ?? 'custom';
  const names = settings?.domains ?? (flags.vhost ? [flags.vhost] : []);
  if (names.length === 0)
    throw new CertkitError('usage', 'with --fullchain/--key, give --vhost NAME to say which site');
  const options = installerOptions(flags);
  // a re-run without --tls-port keeps the port this lineage was installed with
  const recorded = settings?.installers?.find((i) => i.kind === target)?.options;
  if (options.tlsPort === undefined && recorded?.tlsPort !== undefined) options.tlsPort = recorded.tlsPort;
  const base = {
    lineage,
    names,
    fullchainPath: absolute(flags.fullchain) ?? store.livePath(lineage, 'fullchain.pem'),
    keyPath: absolute(flags.key) ?? store.livePath(lineage, 'privkey.pem'),
    backupRoot: join(store.root, 'backups'),
    onStep: (m: string) => ctx.progress(`• ${m}`),
  };
  const s = style(ctx.color);
  let result: { changed: string[]; noop: boolean; diff: string; notes: string[] } & Record<string, unknown>;
  if (target === 'apache') {
    const { installApache } = await import('../../deploy/apache/install.js');
    if (!flags.dryRun && !flags.yes && process.stdin.isTTY) {
      const preview = await installApache({ ...base, ...options, dryRun: true });
      if (!preview.noop && !(await confirm(ctx, preview.diff)))
        throw new CertkitError('usage', 'not applied; nothing was changed');
    }
    result = (await installApache({ ...base, ...options, dryRun: flags.dryRun })) as never;
  } else {
    const { installAsterisk } = await import('../../deploy/asterisk/install.js');
    result = (await installAsterisk({ ...base, ...options, dryRun: flags.dryRun })) as never;
  }
  if (!flags.dryRun && flags.name) await recordInstaller(store, flags.name, { kind: target, options });
  if (ctx.json)
    ctx.out(JSON.stringify({ schemaVersion: 1, target, dryRun: !!flags.dryRun, ...result }, null, 2));
  else if (flags.dryRun) {
    // what the change does beyond the diff (a vhost woken or switched off by mod_ssl, names not redirected...)
    for (const n of result.notes) ctx.out(`# note: ${n}`);
    ctx.out(result.noop ? 'nothing would change' : result.diff);
  } else if (!ctx.quiet) {
    for (const n of result.notes) ctx.out(`note: ${n}`);
    ctx.out(
      result.noop
        ? 'already installed: nothing changed'
        : s.green(`installed into ${target}: ${result.changed.length} file(s) changed`),
    );
    const verified = (result as { verified?: string[] | Record<string, unknown> }).verified ?? {};
    if (Array.isArray(verified))
      for (const v of verified) ctx.out(`  verified ${v}: serves the new certificate`);
    else for (const [k, v] of Object.entries(verified)) if (v) ctx.out(`  verified ${k}: ${v}`);
  }
  return 0;
}
