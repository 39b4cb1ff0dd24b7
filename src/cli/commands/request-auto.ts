/**
 * What the bare `certkit request NAME` decides for you: how to answer the challenge (src/acme/auto), the
 * account questions, the install into the Apache that serves the names, the renewal schedule, and the one
 * closing summary. request.ts calls these at four points; every decision is said in one line.
 */
import { readFileSync } from 'node:fs';
import { CertkitError, usageError } from '../../errors.js';
import { newAccountKeyPem } from '../../acme/account.js';
import { liveAccount } from '../../acme/account-ops.js';
import { AcmeClient, type Deadlines } from '../../acme/client.js';
import {
  defaultServerInDump,
  defaultVhost,
  findApache,
  type ApacheFinding,
} from '../../acme/auto/apache-site.js';
import { makeCtl } from '../../deploy/apache/ctl.js';
import { vhostLocation } from '../../deploy/apache/config.js';
import { chooseChallenge, type Choice } from '../../acme/auto/choose.js';
import { describeNextRun } from '../../acme/auto/next-renewal.js';
import { findPortOwner } from '../../acme/auto/port-owner.js';
import { tlsPortFromTree } from '../../acme/auto/tls-port.js';
import type { ObtainResult } from '../../acme/obtain.js';
import type { ChallengeSettings } from '../../acme/solvers/types.js';
import { installSchedule, presentRenewSchedule, scheduleKind } from '../../monitor/schedule-install.js';
import type { Store } from '../../store/store.js';
import type { InstallFlags } from '../installer-flags.js';
import type { Context } from '../context.js';
import { scheduleFilesFor } from '../schedule-plan.js';

export interface AutoFlags {
  webroot?: string;
  standalone?: boolean;
  dnsHook?: string;
  manual?: boolean;
  httpPort?: string;
  serverRoot?: string;
  ctl?: string;
  tlsPort?: string;
  email?: string | false;
  agreeTos?: boolean;
  install?: string[] | false;
  schedule?: boolean;
}

export interface AutoChoice extends Choice {
  finding: ApacheFinding | null;
}

/** The decisions made for the user, in order: part of the report on stdout as they happen, and in --json. */
export const decisions: string[] = [];
export const sayDecision = (ctx: Context, line: string) => {
  decisions.push(line);
  if (!ctx.quiet && !ctx.json) ctx.out(line);
};

function httpPortFlag(f: AutoFlags): number | undefined {
  if (f.httpPort === undefined) return undefined;
  const port = Number(f.httpPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw usageError(`--http-port must be a port number, not "${f.httpPort}"`);
  return port;
}

/** null when a solver flag was given; else the automatic choice (or a usage error saying what would work). */
export function chooseAutomatically(ctx: Context, names: string[], f: AutoFlags): AutoChoice | null {
  if (f.webroot || f.standalone || f.dnsHook || f.manual) return null;
  const port = httpPortFlag(f);
  const wildcard = names.some((n) => n.startsWith('*.'));
  let finding: ApacheFinding | null = null;
  try {
    finding = wildcard ? null : findApache({ serverRoot: f.serverRoot, names, port });
  } catch (err) {
    // the system's Apache configuration is unreadable: decide without it (a named --server-root must work)
    if (f.serverRoot || !(err instanceof CertkitError) || err.kind === 'internal') throw err;
    sayDecision(ctx, `not answering through Apache: its configuration could not be read (${err.message})`);
  }
  const caPort = port ?? 80;
  const choice = chooseChallenge({
    names,
    port: caPort,
    apache: finding && {
      serverRoot: finding.serverRoot,
      ctl: f.ctl,
      port: finding.port,
      running: finding.running,
      served: finding.served,
      unserved: finding.unserved,
      noDefault: finding.noDefault,
    },
    owner: wildcard ? null : finding?.port === caPort ? finding.owner : findPortOwner(caPort),
  });
  sayDecision(ctx, choice.line);
  return { ...choice, finding };
}

/**
 * When the port's default site was chosen, ask Apache itself (`-S`) which vhost is the default server of that
 * address: if it names another one than certkit's reading of the tree, refuse rather than install into the
 * wrong site. An Apache that cannot be asked leaves certkit's reading standing.
 */
export async function crossCheckDefaultSite(auto: AutoChoice | null, f: AutoFlags): Promise<void> {
  const finding = auto?.apache ? auto.finding : null;
  if (!finding?.served.some((s) => s.byDefault)) return;
  const ours = defaultVhost(finding.cfg, finding.port).vhost;
  const address = ours?.addresses
    .find((a) => (a.port || 80) === finding.port)
    ?.host.replace(/^(_default_|)$/, '*');
  if (!ours || !address) return;
  const r = await makeCtl(finding.cfg, f.ctl).run('-S');
  const theirs = r.code === 0 ? defaultServerInDump(r.output, address, finding.port) : null;
  if (theirs && theirs !== vhostLocation(ours))
    throw new CertkitError(
      'environment',
      `Apache's default site for ${address}:${finding.port} is ${theirs} (apache2 -S), not ${vhostLocation(ours)} as certkit read the configuration; nothing was changed`,
      'name the site for the certificate with ServerName/ServerAlias, or give --webroot DIR or --dns-hook CMD',
    );
}

/** The contact e-mail and the CA's terms: asked on a terminal, required as flags in scripts. */
export async function accountQuestions(
  ctx: Context,
  directoryUrl: string,
  f: AutoFlags,
  deadlines: Deadlines,
): Promise<{ email?: string } | null> {
  const email = f.email === false ? undefined : f.email;
  // registered before (and not deactivated since): nothing to ask
  if (await liveAccount(ctx.storeRoot, directoryUrl)) return { email };
  const needTerms = !f.agreeTos;
  const needEmail = f.email === undefined;
  if (!needTerms && !needEmail) return { email };
  const tos = needTerms
    ? (await new AcmeClient({ directoryUrl, accountKeyPem: newAccountKeyPem(), deadlines }).directory()).meta
        ?.termsOfService
    : undefined;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    const missing = [
      needTerms && `--agree-tos (after reading the CA's terms${tos ? ` at ${tos}` : ''})`,
      needEmail && '--email ADDRESS (or --no-email)',
    ].filter(Boolean);
    throw usageError(
      `a new account at ${new URL(directoryUrl).host} needs ${missing.join(' and ')}`,
      'not on a terminal, certkit cannot ask',
    );
  }
  const { confirm, input } = await import('@inquirer/prompts');
  let answer = email;
  try {
    if (needEmail) {
      const typed = await input({
        message: 'Contact e-mail for the CA account (expiry and problem notices; empty for none):',
        validate: (v) =>
          v.trim() === '' || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.trim()) || 'not an e-mail address',
      });
      answer = typed.trim() || undefined;
    }
    if (needTerms) {
      const ok = await confirm({
        message: `Do you agree to the CA's terms of service${tos ? ` at ${tos}` : ''}?`,
        default: false,
      });
      if (!ok) throw new CertkitError('usage', 'the terms of service were not accepted; nothing was done');
    }
  } catch (err) {
    if ((err as Error).name !== 'ExitPromptError') throw err;
    ctx.err('certkit: cancelled; nothing was done');
    return null; // Ctrl-C at a question
  }
  return { email: answer };
}

/** Install into the Apache that answered the challenge, unless --no-install or an explicit --install. */
export function autoInstallOptions(ctx: Context, auto: AutoChoice | null, f: AutoFlags) {
  if (!auto?.apache || !auto.finding || f.install !== undefined) {
    if (auto?.apache && f.install === false) sayDecision(ctx, 'not installing into Apache (--no-install)');
    return null;
  }
  const tlsPort =
    f.tlsPort !== undefined ? f.tlsPort : String(tlsPortFromTree(auto.finding.cfg, auto.finding.port));
  // names no site claims are served by the port's default vhost: the installer targets it by FILE:LINE (its
  // twin gets the names, the redirect only those); recorded, so renewals install into the same vhost
  const served = auto.finding.served;
  const byDefault = served.filter((s) => s.byDefault);
  if (byDefault.length && byDefault.length < served.length) {
    sayDecision(
      ctx,
      `not installing into Apache: ${byDefault.map((s) => s.name).join(', ')} ${byDefault.length > 1 ? 'are' : 'is'} served by its default site, the other names by their own sites (add ServerAlias lines, then certkit install apache)`,
    );
    return null;
  }
  const vhost = byDefault[0]?.vhostLocation;
  sayDecision(
    ctx,
    vhost
      ? `installing into Apache's default site ${vhost}: its HTTPS twin gets the names ${served.map((s) => s.name).join(', ')} (TLS on port ${tlsPort}; --no-install skips this)`
      : `installing into the Apache site that serves the names (TLS on port ${tlsPort}; --no-install skips this)`,
  );
  return { serverRoot: auto.finding.serverRoot, ctl: f.ctl, tlsPort, ...(vhost ? { vhost } : {}) };
}

/**
 * The certificate is already valid and nothing is requested: still install into the Apache that serves the
 * names when no Apache install is recorded yet (e.g. the first install was rolled back and Apache is fixed now).
 */
export async function installIfNotYet(
  ctx: Context,
  store: Store,
  lineage: string,
  auto: AutoChoice | null,
  f: AutoFlags & InstallFlags,
): Promise<unknown[]> {
  const settings = await store.readSettings(lineage);
  if (settings?.installers?.some((i) => i.kind === 'apache')) return [];
  const options = autoInstallOptions(ctx, auto, f);
  if (!options) return [];
  const { installAfterIssue } = await import('../../deploy/after-issue.js');
  const { installerOptions } = await import('../installer-flags.js');
  return installAfterIssue(ctx.progress, store, lineage, ['apache'], installerOptions({ ...f, ...options }));
}

export interface RenewalSchedule {
  installed: boolean;
  file: string | null;
  next: string | null;
}

/** The renew timer/cron entry: say when it runs next, or set it up (certkit schedule install). */
export async function ensureRenewalSchedule(ctx: Context, f: AutoFlags): Promise<RenewalSchedule | null> {
  if (f.schedule === false) return null;
  const root = process.env.CERTKIT_SCHEDULE_ROOT || '/';
  let file = presentRenewSchedule(root);
  let installed = false;
  if (!file) {
    const kind = scheduleKind({});
    const files = scheduleFilesFor(ctx, root, kind);
    await installSchedule(root, kind, files);
    file = presentRenewSchedule(root);
    installed = true;
    sayDecision(
      ctx,
      `renewal: installed ${kind} schedule: ${files.map((f) => f.path).join(', ')} (--no-schedule skips this)`,
    );
  }
  const next = file ? describeNextRun(file, readFileSync(file, 'utf8'), ctx.now) : null;
  return { installed, file, next };
}

interface InstallResult {
  kind: string;
  result?: {
    changed?: string[];
    verified?: { tls: string; redirect: string | null } | null;
    backupDir?: string | null;
  };
}

/** "changed 3 files under /etc/apache2: a.conf, sites-enabled/b.conf (backup DIR)" */
function describeChanged(changed: string[], backupDir: string | null): string {
  if (!changed.length) return 'nothing changed (already in place)';
  const dirs = changed.map((c) => c.split('/').slice(0, -1));
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- changed is non-empty (returned above when empty)
  let common = dirs[0]!;
  for (const d of dirs) {
    let i = 0;
    while (i < common.length && i < d.length && common[i] === d[i]) i++;
    common = common.slice(0, i);
  }
  const base = common.join('/');
  const files = base.length > 1 ? changed.map((c) => c.slice(base.length + 1)) : changed;
  return (
    `changed ${changed.length} file${changed.length === 1 ? '' : 's'}${base.length > 1 ? ` under ${base}` : ''}: ` +
    files.join(', ') +
    (backupDir ? ` (backup ${backupDir})` : '')
  );
}

/** The summary line about the renewal schedule (also said when request finds nothing to do). */
export function renewalLine(schedule: RenewalSchedule | null): string {
  return schedule
    ? `  renewal   ${schedule.installed ? 'scheduled now' : 'already scheduled'} (${schedule.file}); next run ${schedule.next}`
    : '  renewal   not scheduled (--no-schedule): run `certkit renew` from cron or a timer';
}

/** The one closing summary (text), or the extra JSON fields. */
export function closingSummary(
  result: ObtainResult,
  installs: unknown[],
  schedule: RenewalSchedule | null,
  challenge: ChallengeSettings,
  tlsPort: string | undefined,
): { lines: string[]; json: Record<string, unknown> } {
  const lines = [
    `certificate for ${result.names.join(', ')} is live as "${result.lineage}" version ${result.version}`,
    `  expires   ${result.notAfter} (issuer ${result.issuer})`,
    `  files     ${result.livePath}/fullchain.pem, privkey.pem (also cert.pem, chain.pem)`,
    `  proven by ${challenge.type === 'apache' ? `http-01 through Apache (${challenge.serverRoot})` : challenge.type}`,
  ];
  for (const i of installs as InstallResult[]) {
    const r = i.result ?? {};
    lines.push(`  ${i.kind.padEnd(9)} ${describeChanged(r.changed ?? [], r.backupDir ?? null)}`);
    if (r.verified)
      lines.push(
        `  verified  the site serves the new certificate over TLS (${r.verified.tls.slice(0, 23)}…)` +
          (r.verified.redirect ? `; http:// answers ${r.verified.redirect.replace(' ', ' → ')}` : ''),
      );
  }
  lines.push(renewalLine(schedule));
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- an issued certificate or order always has at least one name
  const first = result.names.find((n) => !n.startsWith('*.')) ?? result.names[0]!;
  const port = tlsPort && tlsPort !== '443' ? `:${tlsPort}` : '';
  const check = `certkit check ${first}${port}`;
  lines.push(`  check it  ${check}`);
  return { lines, json: { decisions, renewal: schedule, check } };
}
