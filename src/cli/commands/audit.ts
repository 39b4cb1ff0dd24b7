import { CertkitError } from '../../errors.js';
import { apacheSites } from '../../audit/origins-apache.js';
import { asteriskListeners } from '../../audit/origins-asterisk.js';
import {
  certificateLabel,
  portLabel,
  renderAuditHtml,
  renderAuditNagios,
  speaksLabel,
} from '../../audit/report.js';
import { runAudit } from '../../audit/run.js';
import { loadTrustStore } from '../../pki/trust.js';
import { Store } from '../../store/store.js';
import { replaceFileKeepingMode } from '../../util/fs-atomic.js';
import type { Context } from '../context.js';
import { count } from '../flag-numbers.js';
import { style, table } from '../../util/style.js';

export interface AuditFlags {
  remote?: string;
  ports?: string;
  timeout: string;
  concurrency: string;
  adminPath?: string[];
  serverRoot?: string;
  apache?: boolean;
  asteriskDir?: string;
  caFile?: string[];
  html?: string;
  nagios?: boolean;
}

function parsePorts(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const a = Number(m?.[1]);
    const b = Number(m?.[2] ?? m?.[1]);
    if (!m || a < 1 || b > 65535 || a > b || b - a > 65535)
      throw new CertkitError('usage', `--ports: "${part}" is not a port or a range like 8000-8100`);
    for (let p = a; p <= b; p++) out.add(p);
  }
  return [...out];
}

function positive(v: string, what: string, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new CertkitError('usage', `${what} must be a number between 0 and ${max}, not "${v}"`);
  return n;
}

export async function runAuditCommand(ctx: Context, flags: AuditFlags): Promise<number> {
  const timeoutMs = positive(flags.timeout, '--timeout', 300) * 1000;
  const concurrency = count(flags.concurrency, 64, '--concurrency', 4096);
  const ports = flags.ports ? parsePorts(flags.ports) : undefined;
  for (const p of flags.adminPath ?? [])
    if (!p.startsWith('/'))
      throw new CertkitError('usage', `--admin-path ${p}: give a URL path starting with /`);
  const local = !flags.remote;
  const sites = local && flags.apache !== false ? apacheSites(flags.serverRoot) : [];
  const asterisk = local ? asteriskListeners(flags.asteriskDir) : [];
  const now = ctx.now;
  const report = await runAudit({
    remoteHost: flags.remote,
    ports,
    timeoutMs,
    concurrency,
    adminPaths: flags.adminPath ?? [],
    sites,
    asterisk,
    store: new Store(ctx.storeRoot),
    check: {
      policy: { warnDays: 30, critDays: 7, strict: false, allowSelfSigned: [], now },
      trust: loadTrustStore(flags.caFile ?? []),
    },
    now,
  });
  if (flags.html) await replaceFileKeepingMode(flags.html, renderAuditHtml(report), 0o644);
  if (ctx.json) ctx.out(JSON.stringify(report, null, 2));
  else if (flags.nagios) ctx.out(renderAuditNagios(report));
  else if (!ctx.quiet || report.status !== 'OK') {
    const s = style(ctx.color);
    const paint = (st: string) =>
      st === 'CRITICAL'
        ? s.red(st)
        : st === 'WARNING'
          ? s.yellow(st)
          : st === 'OK'
            ? s.green(st)
            : s.bold(st);
    const rows = report.ports.map((p) => [
      paint(p.status),
      portLabel(p),
      p.scope,
      speaksLabel(p),
      p.origin,
      certificateLabel(p),
      p.findings.map((f) => `${f.id}: ${f.message}${f.fix ? ` [fix: ${f.fix}]` : ''}`).join('; ') || 'ok',
    ]);
    for (const l of table(rows, [
      'STATUS',
      'PORT',
      'SCOPE',
      'SPEAKS',
      'CONFIGURED BY',
      'CERTIFICATE',
      'FINDINGS',
    ]))
      ctx.out(l);
    const c = report.counts;
    ctx.out('');
    ctx.out(
      `${report.ports.length} ${report.mode === 'remote' ? `open port(s) on ${report.host}` : 'listening socket(s)'}: ${c.CRITICAL} critical, ${c.WARNING} warning, ${c.UNKNOWN} unknown, ${c.OK} ok`,
    );
  }
  return report.exitCode;
}
