import type { Context } from '../context.js';
import { style, table } from '../../util/style.js';
import { Store } from '../../store/store.js';
import { listLineages } from '../../store/list.js';

export async function runList(ctx: Context): Promise<number> {
  const store = new Store(ctx.storeRoot);
  const lineages = await listLineages(store, ctx.now);
  if (ctx.json) {
    ctx.out(JSON.stringify({ schemaVersion: 1, store: store.root, lineages }, null, 2));
    for (const l of lineages) if (l.problem) ctx.err(`certkit: ${l.name}: ${l.problem}`);
    // the same exit as the table: a broken lineage is exit 1 whatever the format
    return lineages.some((l) => l.broken) ? 1 : 0;
  }
  if (lineages.length === 0) {
    if (!ctx.quiet)
      ctx.out(
        `no lineages in ${store.root} (get one with: certkit request DOMAIN, certkit import, certkit csr)`,
      );
    return 0;
  }
  const s = style(ctx.color);
  const rows = lineages.flatMap((l) => {
    const days =
      l.daysLeft === null
        ? '-'
        : l.daysLeft < 0
          ? s.red(`expired`)
          : l.daysLeft < 14
            ? s.yellow(String(l.daysLeft))
            : String(l.daysLeft);
    const source = l.broken
      ? s.red('BROKEN')
      : l.revoked
        ? s.red(`REVOKED (${l.revoked.reason})`)
        : l.source === 'pending-csr'
          ? `pending CSR (${l.pendingDays ?? 0} days)`
          : l.selfSigned
            ? 'self-signed'
            : l.source === 'acme' && l.renewal === 'manual'
              ? 'acme (manual: no unattended renewal)'
              : l.source;
    const note = l.deployPending ? ` ${s.yellow(`deploy of v${l.deployPending.version} pending`)}` : '';
    // one row per pending order, so a second order for the same name is seen beside the first
    const orders = l.pendingOrders.map((o) => [
      l.name,
      o.names.join(','),
      '-',
      '-',
      '-',
      `pending order ${o.id} (${o.days} days)`,
    ]);
    if (l.source === 'pending-csr' && l.liveVersion === null && orders.length) return orders;
    return [
      [l.name, l.domains.join(','), l.notAfter?.slice(0, 10) ?? '-', days, l.issuer ?? '-', source + note],
      ...orders,
    ];
  });
  for (const line of table(rows, ['NAME', 'NAMES', 'NOT AFTER', 'DAYS', 'ISSUER', 'SOURCE'])) ctx.out(line);
  for (const l of lineages) if (l.problem) ctx.err(`certkit: ${l.name}: ${l.problem}`);
  for (const l of lineages)
    if (l.deployPending)
      ctx.err(`certkit: ${l.name}: deploy failed (${l.deployPending.error}); the next renew retries it`);
  return lineages.some((l) => l.broken) ? 1 : 0;
}
