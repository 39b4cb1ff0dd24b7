import { CertkitError, errorMessage } from '../../errors.js';
import { readRegularFileSync } from '../../pki/read.js';
import { loadTrustStore } from '../../pki/trust.js';
import { Store } from '../../store/store.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { readSecret } from '../../util/secret.js';
import { runCheck } from '../../monitor/check.js';
import type { CertkitConfig } from '../../config/load.js';
import { worst } from '../../monitor/evaluate.js';
import { parseTargets } from '../../monitor/targets.js';
import { renderNagios } from '../../monitor/report/nagios.js';
import { renderPrometheus } from '../../monitor/report/prometheus.js';
import { renderTable } from '../../monitor/report/table.js';
import { EXIT_FOR, type CheckPolicy, type CheckReport } from '../../monitor/types.js';
import type { Context } from '../context.js';
import { readNow } from '../../util/clock.js';
import { checkName } from './verify.js';

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

const num = (v: string | number | undefined, fallback: number, what: string, max = 1e6) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > max)
    throw new CertkitError('usage', `${what} must be a number from 0 to ${max}, not "${v}"`);
  return n;
};

/** --timeout in seconds: 0, negative, NaN or more than an hour would make every target "time out". */
export function timeoutSeconds(v: string | number | undefined, fallback = 10): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new CertkitError('usage', `--timeout must be more than 0 and at most 3600 seconds, not "${v}"`);
  return n;
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
  return {
    cfg,
    specs,
    caFiles: checkCaFiles([...(flags.caFile ?? []), ...(cfg.caFiles ?? [])]),
    policy: {
      warnDays: num(flags.warnDays ?? cfg.warnDays, 30, '--warn-days', 3650),
      critDays: num(flags.critDays ?? cfg.critDays, 7, '--crit-days', 3650),
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
    concurrency: Math.max(1, num(flags.concurrency ?? cfg.concurrency, 64, '--concurrency', 4096)),
    pinIp: flags.ip,
    password: await readSecret(flags.passwordFile, 'CERTKIT_PASSWORD'),
  });
  return { report, cfg, policy };
}

/**
 * The Nagios contract: the report is always printed (every target, the status line) and the metrics file always
 * rewritten; a file that cannot be written makes the run at least UNKNOWN; the email digest is sent last and a
 * failure to send it is reported after the output without changing the exit code. Errors that stop the run
 * before a report exists exit 3 (UNKNOWN), see register/monitor.ts.
 */
export async function runCheckCommand(ctx: Context, args: string[], flags: CheckFlags): Promise<number> {
  const { report, cfg, policy } = await checkReport(ctx, args, flags);
  const problems: string[] = [];
  const write = async (file: string | undefined, render: () => Promise<string>) => {
    if (!file) return;
    try {
      await writeFileAtomic(file, await render(), 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(`cannot write ${file} (${code ?? errorMessage(err)})`);
    }
  };
  await write(flags.prometheus ?? cfg.prometheus, async () => renderPrometheus(report));
  await write(flags.html ?? cfg.html, async () =>
    (await import('../../monitor/report/html.js')).renderHtml(report),
  );
  const status = problems.length ? worst([report.status, 'UNKNOWN']) : report.status;
  const shown: CheckReport =
    status === report.status ? report : { ...report, status, exitCode: EXIT_FOR[status] };

  if (ctx.json) ctx.out(JSON.stringify(shown, null, 2));
  else if (flags.nagios) ctx.out(renderNagios(shown, policy.warnDays, policy.critDays, problems));
  else if (!ctx.quiet || shown.status !== 'OK') for (const l of renderTable(shown, ctx.color)) ctx.out(l);
  for (const p of problems) ctx.err(`certkit: ${p}`);

  if ((flags.email || flags.emailAlways || cfg.email) && (flags.emailAlways || report.status !== 'OK')) {
    try {
      const { sendDigest, validateEmailSettings } = await import('../../monitor/email.js');
      await sendDigest(report, validateEmailSettings(ctx.config.email, ctx.configFile ?? 'the config file'));
    } catch (err) {
      const hint = err instanceof CertkitError && err.hint ? ` (${err.hint})` : '';
      ctx.err(`certkit: ${errorMessage(err)}${hint}`);
    }
  }
  return shown.exitCode;
}
