import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { recordInstaller } from '../../deploy/after-issue.js';
import { absolute, installerOptions, type InstallFlags } from '../installer-flags.js';
import { Store } from '../../store/store.js';
import { style, table } from '../../util/style.js';
import type { Context } from '../context.js';

export type { InstallFlags };

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
  // Apache finds the sites by the certificate's names, as for a lineage; Asterisk needs the name to verify
  if (!settings && !flags.vhost && target !== 'apache')
    throw new CertkitError('usage', 'with --fullchain/--key, give --vhost NAME to say which name to verify');
  // the lineage's domains; with --fullchain, Apache takes the certificate's own names (checked against the
  // vhost --vhost resolves to) and Asterisk the --vhost name
  const names = settings?.domains;
  const options = installerOptions(flags);
  // a re-run without --tls-port keeps the port this lineage was installed with
  const recorded = settings?.installers?.find((i) => i.kind === target)?.options;
  if (options.tlsPort === undefined && recorded?.tlsPort !== undefined) options.tlsPort = recorded.tlsPort;
  const base = {
    lineage,
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
      const preview = await installApache({ ...base, names, ...options, dryRun: true });
      if (!preview.noop && !(await confirm(ctx, preview.diff)))
        throw new CertkitError('usage', 'not applied; nothing was changed');
    }
    const installed = await installApache({ ...base, names, ...options, dryRun: flags.dryRun });
    result = { ...installed };
  } else {
    const { installAsterisk } = await import('../../deploy/asterisk/install.js');
    result = await installAsterisk({
      ...base,
      names: names ?? [flags.vhost ?? ''],
      ...options,
      dryRun: flags.dryRun,
    });
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
    else
      for (const [k, v] of Object.entries(verified))
        if (v)
          ctx.out(
            `  verified ${k}: ${typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(', ') : JSON.stringify(v)}`,
          );
  }
  return 0;
}
