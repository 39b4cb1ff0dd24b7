import { style, table } from '../../util/style.js';
import type { CheckReport } from '../types.js';
import { byUrgency } from './sort.js';

export function renderTable(r: CheckReport, color: boolean): string[] {
  const s = style(color);
  const paint = (st: string) =>
    st === 'CRITICAL' ? s.red(st) : st === 'WARNING' ? s.yellow(st) : st === 'OK' ? s.green(st) : s.bold(st);
  const rows = [...r.targets]
    .sort(byUrgency)
    .map((t) => [
      paint(t.status),
      t.target + (t.address && t.address !== t.target.split(':')[0] ? ` (${t.address})` : ''),
      t.daysLeft === null ? '-' : String(t.daysLeft),
      t.notAfter?.slice(0, 10) ?? '-',
      t.certificates[0]?.issuerCommonName ?? t.certificates[0]?.issuer ?? '-',
      t.findings.map((f) => `${f.id}: ${f.message}`).join('; ') || 'ok',
    ]);
  const lines = table(rows, ['STATUS', 'TARGET', 'DAYS', 'NOT AFTER', 'ISSUER', 'FINDINGS']);
  const c = r.counts;
  lines.push(
    '',
    `${r.targets.length} checked: ${c.CRITICAL} critical, ${c.WARNING} warning, ${c.UNKNOWN} unknown, ${c.OK} ok${r.skipped.length ? `; ${r.skipped.length} file(s) skipped (keys, CSRs, backups, not certificates)` : ''}`,
  );
  return lines;
}
