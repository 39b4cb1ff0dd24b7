import { CertkitError } from '../../errors.js';
import { loadTrustStore } from '../../pki/trust.js';
import { Store } from '../../store/store.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { runCheck } from '../../monitor/check.js';
import { parseTarget } from '../../monitor/targets.js';
import { renderNagios } from '../../monitor/report/nagios.js';
import { renderPrometheus } from '../../monitor/report/prometheus.js';
import { renderTable } from '../../monitor/report/table.js';
import type { CheckReport } from '../../monitor/types.js';
import type { Context } from '../context.js';
import { nowFromEnv } from './renew.js';

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
  nagios?: boolean;
  prometheus?: string;
  html?: string;
  email?: boolean;
  emailAlways?: boolean;
}

interface CheckConfig {
  targets?: string[];
  warnDays?: number;
  critDays?: number;
  strict?: boolean;
  allowSelfSigned?: string[];
  caFiles?: string[];
  timeout?: number;
  concurrency?: number;
  prometheus?: string;
  html?: string;
  /** send the digest (settings in the "email" section) */
  email?: boolean;
}

const num = (v: string | number | undefined, fallback: number, what: string) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CertkitError('usage', `${what} must be a number, not "${v}"`);
  return n;
};

export async function checkReport(
  ctx: Context,
  args: string[],
  flags: CheckFlags,
): Promise<{ report: CheckReport; cfg: CheckConfig }> {
  const cfg = (ctx.config.check ?? {}) as CheckConfig;
  const specs = args.length ? args : (cfg.targets ?? []);
  if (specs.length === 0)
    throw new CertkitError(
      'usage',
      'nothing to check',
      'give files, directories, "store" or host[:port], or "check.targets" in the config file',
    );
  const targets = specs.map((s) => parseTarget(s, { starttls: flags.starttls }));
  const store = new Store(ctx.storeRoot);
  const report = await runCheck(targets, {
    policy: {
      warnDays: num(flags.warnDays ?? cfg.warnDays, 30, '--warn-days'),
      critDays: num(flags.critDays ?? cfg.critDays, 7, '--crit-days'),
      strict: !!(flags.strict ?? cfg.strict),
      allowSelfSigned: [...(flags.allowSelfSigned ?? []), ...(cfg.allowSelfSigned ?? [])],
      now: nowFromEnv(),
    },
    trust: loadTrustStore([...(flags.caFile ?? []), ...(cfg.caFiles ?? [])]),
    store,
    timeoutMs: num(flags.timeout ?? cfg.timeout, 10, '--timeout') * 1000,
    concurrency: Math.max(1, num(flags.concurrency ?? cfg.concurrency, 64, '--concurrency')),
    pinIp: flags.ip,
  });
  return { report, cfg };
}

export async function runCheckCommand(ctx: Context, args: string[], flags: CheckFlags): Promise<number> {
  const { report, cfg } = await checkReport(ctx, args, flags);
  const prom = flags.prometheus ?? cfg.prometheus;
  if (prom) await writeFileAtomic(prom, renderPrometheus(report), 0o644);
  const html = flags.html ?? cfg.html;
  if (html) {
    const { renderHtml } = await import('../../monitor/report/html.js');
    await writeFileAtomic(html, renderHtml(report), 0o644);
  }
  if (flags.email || flags.emailAlways || cfg.email) {
    if (flags.emailAlways || report.status !== 'OK') {
      const { sendDigest, validateEmailSettings } = await import('../../monitor/email.js');
      await sendDigest(report, validateEmailSettings(ctx.config.email, ctx.configFile ?? 'the config file'));
    }
  }
  if (ctx.json) ctx.out(JSON.stringify(report, null, 2));
  else if (flags.nagios)
    ctx.out(
      renderNagios(
        report,
        Number(flags.warnDays ?? cfg.warnDays ?? 30),
        Number(flags.critDays ?? cfg.critDays ?? 7),
      ),
    );
  else if (!ctx.quiet || report.status !== 'OK') for (const l of renderTable(report, ctx.color)) ctx.out(l);
  return report.exitCode;
}
