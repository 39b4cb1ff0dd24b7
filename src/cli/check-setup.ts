/**
 * What `check` and `exporter` share: the flags, everything that can be wrong with them or the config (found before
 * anything is checked), and one run of the check with its report.
 */
import { CertkitError } from '../errors.js';
import { count } from './flag-numbers.js';
import { readRegularFileSync } from '../pki/read.js';
import { loadTrustStore } from '../pki/trust.js';
import { Store } from '../store/store.js';
import { readSecret } from '../util/secret.js';
import { runCheck } from '../monitor/check.js';
import type { CertkitConfig } from '../config/load.js';
import { parseTargets } from '../monitor/targets.js';
import type { CheckPolicy, CheckReport } from '../monitor/types.js';
import type { Context } from './context.js';
import { readNow } from '../util/clock.js';
import { checkName, timeoutSeconds } from './options.js';

type CheckConfig = NonNullable<CertkitConfig['check']>;

export interface CheckFlags {
  starttls?: string;
  ip?: string;
  timeout?: string;
  concurrency?: string;
  warnDays?: string;
  critDays?: string;
  strict?: boolean;
  allowSelfSigned?: string[];
  caFile?: string[];
  systemRoots?: boolean;
  name?: string[];
  revocation?: boolean;
  nagios?: boolean;
  prometheus?: string;
  html?: string;
  email?: boolean;
  emailAlways?: boolean;
  passwordFile?: string;
}

export const num = (v: string | number | undefined, fallback: number, what: string, max = 1e6) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > max)
    throw new CertkitError('usage', `${what} must be a number from 0 to ${max}, not "${v}"`);
  return n;
};

/** A threshold as the user would name it: the flag, the config key, or the default, with its value. */
function thresholdSaid(
  days: number,
  flag: string,
  flagValue: unknown,
  key: string,
  configValue: unknown,
): string {
  if (flagValue !== undefined) return `${flag} ${days}`;
  return configValue !== undefined ? `"${key}": ${days} in the config file` : `${flag} ${days} (the default)`;
}

/**
 * Why the WARNING and CRITICAL days are the wrong way round, or null: with fewer warning days than critical
 * ones a certificate turns CRITICAL first and WARNING never shows. Equal days are allowed (no warning stage).
 */
function thresholdOrderProblem(
  warn: { days: number; said: string },
  crit: { days: number; said: string },
): string | null {
  if (warn.days >= crit.days) return null;
  return `${warn.said} is less than ${crit.said}: a certificate would turn CRITICAL before WARNING`;
}

/** --ca-file: a missing or unreadable file is the user's mistake, said with its path (not an internal error). */
function checkCaFiles(files: string[]): string[] {
  for (const f of files) readRegularFileSync(f);
  return files;
}

export interface CheckSetup {
  cfg: CheckConfig;
  specs: string[];
  policy: CheckPolicy;
  caFiles: string[];
}

/** Everything that can be wrong with the command line or the config, found before anything is checked. */
export function checkSetup(ctx: Context, args: string[], flags: CheckFlags, now: Date): CheckSetup {
  // validated with the rest of the config file when it was loaded (src/config/schemas.ts)
  const cfg: CheckConfig = ctx.config.check ?? {};
  const specs = args.length ? args : (cfg.targets ?? []);
  if (specs.length === 0)
    throw new CertkitError(
      'usage',
      'nothing to check',
      'give files, directories, "store" or host[:port], or "check.targets" in the config file',
    );
  const warnDays = num(flags.warnDays ?? cfg.warnDays, 30, '--warn-days', 3650);
  const critDays = num(flags.critDays ?? cfg.critDays, 7, '--crit-days', 3650);
  const order = thresholdOrderProblem(
    {
      days: warnDays,
      said: thresholdSaid(warnDays, '--warn-days', flags.warnDays, 'check.warnDays', cfg.warnDays),
    },
    {
      days: critDays,
      said: thresholdSaid(critDays, '--crit-days', flags.critDays, 'check.critDays', cfg.critDays),
    },
  );
  if (order) throw new CertkitError('usage', order, 'give at least as many warning days as critical days');
  return {
    cfg,
    specs,
    caFiles: checkCaFiles([...(flags.caFile ?? []), ...(cfg.caFiles ?? [])]),
    policy: {
      warnDays,
      critDays,
      strict: !!(flags.strict ?? cfg.strict),
      allowSelfSigned: [...(flags.allowSelfSigned ?? []), ...(cfg.allowSelfSigned ?? [])],
      now,
    },
  };
}

export async function checkReport(
  ctx: Context,
  args: string[],
  flags: CheckFlags,
  now: Date = readNow(), // the exporter calls this once a scrape: a fresh clock each time
): Promise<{ report: CheckReport; cfg: CheckConfig; policy: CheckPolicy }> {
  const { cfg, specs, policy, caFiles } = checkSetup(ctx, args, flags, now);
  const targets = parseTargets(specs, { starttls: flags.starttls });
  const report = await runCheck(targets, {
    policy,
    trust: loadTrustStore(caFiles, { system: flags.systemRoots !== false }),
    names: flags.name?.map(checkName),
    revocation: { enabled: flags.revocation !== false, crlCache: new Map() },
    store: new Store(ctx.storeRoot),
    timeoutMs: timeoutSeconds(flags.timeout ?? cfg.timeout) * 1000,
    concurrency: count(flags.concurrency ?? cfg.concurrency, 64, '--concurrency', 4096),
    pinIp: flags.ip,
    password: await readSecret(flags.passwordFile, 'CERTKIT_PASSWORD'),
  });
  return { report, cfg, policy };
}
