import { renewAll, renewExitCode } from '../../acme/renew.js';
import { deadlinesFromSeconds } from '../../acme/client.js';
import { Store } from '../../store/store.js';
import type { Context } from '../context.js';
import { solverIo } from '../solver-io.js';
import { count } from '../flag-numbers.js';
import { style, table } from '../../util/style.js';

export interface RenewFlags {
  name?: string;
  force?: boolean;
  dryRun?: boolean;
  jitter?: boolean;
  concurrency: string;
  timeout?: string;
}

export async function runRenew(ctx: Context, flags: RenewFlags): Promise<number> {
  // bad flags are refused before the unattended run's random wait, not after it
  const deadlines = deadlinesFromSeconds(flags.timeout);
  const concurrency = count(flags.concurrency, 4, '--concurrency', 64);
  const store = new Store(ctx.storeRoot);
  await store.requireRoot();
  // a --name that is no lineage too (it was said after up to 2 minutes)
  if (flags.name && !(await store.lineageExists(flags.name))) throw await store.lineageNotFound(flags.name);
  if (flags.jitter !== false && !ctx.tty && !flags.dryRun) {
    // unattended: spread the load on the CA (RFC 9773 §4.2); the systemd timer adds its own delay too
    await new Promise((r) => setTimeout(r, Math.random() * 120_000));
  }
  const outcomes = await renewAll(store, {
    name: flags.name,
    force: flags.force,
    dryRun: flags.dryRun,
    now: ctx.now,
    concurrency,
    deadlines,
    io: solverIo(ctx),
    onStep: (l, m) => ctx.progress(`• ${l}: ${m}`),
    afterRenew: async (lineage) => {
      const { runRecordedInstallers } = await import('../../deploy/after-issue.js');
      await runRecordedInstallers(ctx.progress, store, lineage);
    },
  });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (ctx.json)
    ctx.out(JSON.stringify({ schemaVersion: 1, dryRun: !!flags.dryRun, lineages: outcomes }, null, 2));
  else {
    for (const f of failed) ctx.err(`certkit: renewing "${f.name}" failed: ${f.error}`);
    const changed = outcomes.filter((o) => o.status !== 'not-due');
    if (!ctx.quiet && (ctx.tty || changed.length > 0 || flags.dryRun)) {
      const s = style(ctx.color);
      if (outcomes.length === 0) ctx.out('no ACME lineages to renew');
      else
        for (const line of table(
          outcomes.map((o) => [
            o.name,
            o.status === 'failed' ? s.red(o.status) : o.status === 'renewed' ? s.green(o.status) : o.status,
            o.dueAt?.slice(0, 16) ?? '-',
            o.reason,
          ]),
          ['NAME', 'RESULT', 'DUE AT', 'WHY'],
        ))
          ctx.out(line);
    }
  }
  return renewExitCode(outcomes);
}
