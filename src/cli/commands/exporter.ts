import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CertkitError, errorMessage } from '../../errors.js';
import { renderPrometheus } from '../../monitor/report/prometheus.js';
import { parseTargets } from '../../monitor/targets.js';
import { CHECK_ERROR_IDS } from '../../monitor/types.js';
import type { Context } from '../context.js';
import { checkReport, checkSetup, type CheckFlags } from '../check-setup.js';
import { readNow } from '../../util/clock.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** A scrape whose whole check failed still answers: the error as a metric, never a dead exporter. */
function failedScrape(message: string): string {
  return [
    '# HELP certkit_check_error Whether the target could not be checked at all (missing, unreadable, invalid): 1, else 0',
    '# TYPE certkit_check_error gauge',
    `certkit_check_error{target="*",reason="${esc(message)}"} 1`,
    '',
  ].join('\n');
}

/**
 * `certkit exporter`: the check's Prometheus metrics on /metrics, re-checked at most every --interval seconds.
 * Targets are validated at start-up; afterwards nothing a target does can stop it: per-target problems are
 * findings (certkit_check_error{target} 1) and a log line on stderr.
 */
export async function runExporter(
  ctx: Context,
  args: string[],
  flags: CheckFlags & { listen: string; interval: string },
): Promise<number> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(flags.listen);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new CertkitError('usage', `--listen ${flags.listen}: give ADDRESS:PORT, e.g. 127.0.0.1:9793`);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the regex matched: one of the two alternatives captured the host
  const host = m[1] ?? m[2]!;
  const intervalS = Number(flags.interval);
  if (!Number.isFinite(intervalS) || intervalS < 0 || intervalS > 86_400)
    throw new CertkitError('usage', `--interval ${flags.interval}: give seconds from 0 to 86400`);
  // start-up validation: a bad target, flag or config value refuses to start (exit 2), it never fails a scrape
  const { specs } = checkSetup(ctx, args, flags, readNow());
  for (const t of parseTargets(specs, { starttls: flags.starttls, strict: true }))
    if (t.kind === 'path' && !existsSync(t.path))
      throw new CertkitError('usage', `${t.path}: no such file or directory`, 'give the targets to export');

  let cache: { at: number; text: string } | null = null;
  let inflight: Promise<string> | null = null;
  const scrape = async (): Promise<string> => {
    try {
      const { report } = await checkReport(ctx, args, flags);
      for (const t of report.targets)
        for (const f of t.findings)
          if (CHECK_ERROR_IDS.has(f.id)) ctx.err(`certkit exporter: ${t.target}: ${f.message}`);
      return renderPrometheus(report);
    } catch (err) {
      ctx.err(`certkit exporter: the check failed: ${errorMessage(err)}`);
      return failedScrape(errorMessage(err));
    }
  };
  const metrics = async (): Promise<string> => {
    if (cache && Date.now() - cache.at < intervalS * 1000) return cache.text;
    inflight ??= scrape().finally(() => (inflight = null));
    const text = await inflight;
    cache = { at: Date.now(), text };
    return text;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      const text = await metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/metrics">/metrics</a>\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      ctx.err(`certkit exporter: ${req.url}: ${errorMessage(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new CertkitError('environment', `cannot listen on ${flags.listen}: ${err.code}`)),
    );
    server.listen(port, host, () => resolve());
  });
  server.on('error', (err) => ctx.err(`certkit exporter: ${errorMessage(err)}`));
  if (!ctx.quiet) ctx.err(`certkit exporter: serving http://${flags.listen}/metrics`);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => resolve()));
  });
  return 0;
}
