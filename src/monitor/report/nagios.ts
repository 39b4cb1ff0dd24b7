/** One Nagios/Icinga status line with perfdata: "CERTKIT CRITICAL - ... | 'target'=12d;30;7;;" */
import type { CheckReport } from '../types.js';
import { byUrgency } from './sort.js';

export function renderNagios(r: CheckReport, warnDays: number, critDays: number): string {
  const bad = [...r.targets].sort(byUrgency).filter((t) => t.status !== 'OK');
  const summary = bad.length
    ? bad
        .slice(0, 5)
        .map((t) => `${t.target}: ${t.findings.map((f) => f.id).join(',')}`)
        .join('; ') + (bad.length > 5 ? `; +${bad.length - 5} more` : '')
    : `${r.targets.length} certificate(s) ok`;
  const perf = r.targets
    .filter((t) => t.daysLeft !== null)
    .map(
      (t) =>
        `'${t.target.replace(/'/g, '')}${t.address ? `@${t.address}` : ''}'=${t.daysLeft}d;${warnDays};${critDays};;`,
    )
    .join(' ');
  return `CERTKIT ${r.status} - ${summary}${perf ? ` | ${perf}` : ''}`;
}
