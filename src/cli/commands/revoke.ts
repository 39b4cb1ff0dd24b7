import { revokeLineage } from '../../acme/revoke.js';
import { Store } from '../../store/store.js';
import { deadlinesFromSeconds } from '../../acme/client.js';
import type { Context } from '../context.js';
import { confirmOrRefuse } from '../confirm.js';

export async function runRevoke(
  ctx: Context,
  flags: { name: string; reason: string; dryRun?: boolean; timeout?: string; yes?: boolean },
): Promise<number> {
  const deadlines = deadlinesFromSeconds(flags.timeout);
  const store = new Store(ctx.storeRoot);
  if (flags.dryRun) {
    await store.requireLineage(flags.name);
    ctx.out(
      ctx.json
        ? JSON.stringify({ schemaVersion: 1, dryRun: true, name: flags.name, reason: flags.reason })
        : `would revoke the live certificate of "${flags.name}" (${flags.reason})`,
    );
    return 0;
  }
  await store.requireLineage(flags.name);
  await confirmOrRefuse(
    ctx,
    !!flags.yes,
    `Revoke the live certificate of "${flags.name}" (${flags.reason})? Servers using it will fail for clients that check.`,
  );
  const r = await revokeLineage(store, flags.name, flags.reason, deadlines);
  if (ctx.json)
    ctx.out(
      JSON.stringify({
        schemaVersion: 1,
        name: flags.name,
        revoked: true,
        serial: r.serial,
        reason: flags.reason,
      }),
    );
  else if (!ctx.quiet) ctx.out(`revoked serial ${r.serial} of "${flags.name}" (${flags.reason})`);
  return 0;
}
