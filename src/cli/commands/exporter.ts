import { createServer } from 'node:http';
import { CertkitError } from '../../errors.js';
import { renderPrometheus } from '../../monitor/report/prometheus.js';
import type { Context } from '../context.js';
import { checkReport, type CheckFlags } from './check.js';

/** `certkit exporter`: the check's Prometheus metrics on /metrics, re-checked at most every --interval seconds. */
export async function runExporter(
  ctx: Context,
  args: string[],
  flags: CheckFlags & { listen: string; interval: string },
): Promise<number> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(flags.listen);
  if (!m) throw new CertkitError('usage', `--listen ${flags.listen}: give ADDRESS:PORT, e.g. 127.0.0.1:9793`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  const interval = Number(flags.interval) * 1000;
  let cache: { at: number; text: string } | null = null;
  let inflight: Promise<string> | null = null;
  const metrics = async () => {
    if (cache && Date.now() - cache.at < interval) return cache.text;
    inflight ??= checkReport(ctx, args, flags)
      .then(({ report }) => renderPrometheus(report))
      .finally(() => (inflight = null));
    const text = await inflight;
    cache = { at: Date.now(), text };
    return text;
  };
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      try {
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
          .end(await metrics());
      } catch (err) {
        res.writeHead(500).end(`certkit: ${(err as Error).message}\n`);
      }
    } else res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/metrics">/metrics</a>\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new CertkitError('environment', `cannot listen on ${flags.listen}: ${err.code}`)),
    );
    server.listen(port, host, () => resolve());
  });
  if (!ctx.quiet) ctx.err(`certkit exporter: serving http://${flags.listen}/metrics`);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => resolve()));
  });
  return 0;
}
