/**
 * One Nagios/Icinga status line with perfdata, per the plugin guidelines:
 *   CERTKIT CRITICAL - site.pem: expired | 'site.pem'=-86400s;2592000:;604800:;;
 * The value is the time left in seconds (no "d" unit exists), and "N:" thresholds mean "alert below N".
 */
import { expiryThresholdsMs } from '../evaluate.js';
import type { CheckReport, TargetResult } from '../types.js';
import { byUrgency } from './sort.js';

/** A perfdata label: quoted, without the characters the format reserves. */
const label = (t: TargetResult) =>
  `'${`${t.target}${t.address ? `@${t.address}` : ''}`.replace(/['=]/g, '_')}'`;

function perfdata(t: TargetResult, now: Date, warnDays: number, critDays: number): string | null {
  const leaf = t.certificates[0];
  if (!leaf) return null;
  const notAfter = new Date(leaf.notAfter);
  const { warnMs, critMs } = expiryThresholdsMs(new Date(leaf.notBefore), notAfter, { warnDays, critDays });
  const left = Math.floor((notAfter.getTime() - now.getTime()) / 1000);
  return `${label(t)}=${left}s;${Math.round(warnMs / 1000)}:;${Math.round(critMs / 1000)}:;;`;
}

/** `notes`: problems of the run itself (a report file that could not be written), said first. */
export function renderNagios(
  r: CheckReport,
  warnDays: number,
  critDays: number,
  notes: string[] = [],
): string {
  const bad = [...r.targets].sort(byUrgency).filter((t) => t.status !== 'OK');
  const findings = bad.length
    ? bad
        .slice(0, 5)
        .map((t) => `${t.target}: ${[...new Set(t.findings.map((f) => f.id))].join(',')}`)
        .join('; ') + (bad.length > 5 ? `; +${bad.length - 5} more` : '')
    : r.targets.length
      ? `${r.targets.length} certificate(s) ok`
      : 'nothing was checked';
  const summary = [...notes, findings].join('; ');
  const now = new Date(r.generatedAt);
  // one value per label: a file reached twice (named and inside a named directory) is one series for a grapher
  const perf = [...new Set(r.targets.map((t) => perfdata(t, now, warnDays, critDays)).filter(Boolean))].join(
    ' ',
  );
  // the text part must not contain "|": it starts the perfdata
  return `CERTKIT ${r.status} - ${summary.replace(/\|/g, '/').replace(/\n/g, ' ')}${perf ? ` | ${perf}` : ''}`;
}
