/**
 * When does the installed certkit renew schedule run next? Read from the timer's OnCalendar (asked of
 * systemd-analyze when present) or the cron.d line. Pure apart from the optional systemd-analyze call.
 */
import { spawnSync } from 'node:child_process';

/** Next time a `MIN HOUR * * *` cron entry fires after `now` (UTC); null for forms it doesn't model. */
export function nextCronRun(minute: string, hour: string, now: Date): Date | null {
  const values = (field: string, max: number): number[] | null => {
    const out: number[] = [];
    for (const part of field.split(',')) {
      const m = /^(\*|\d+)(?:\/(\d+))?$/.exec(part);
      if (!m) return null;
      const step = Number(m[2] ?? 1);
      const start = m[1] === '*' ? 0 : Number(m[1]);
      const end = m[1] === '*' || m[2] ? max : start;
      for (let v = start; v <= end; v += step) out.push(v);
    }
    return out.sort((a, b) => a - b);
  };
  const mins = values(minute, 59);
  const hours = values(hour, 23);
  if (!mins || !hours) return null;
  for (let day = 0; day < 2; day++)
    for (const h of hours)
      for (const m of mins) {
        const t = new Date(
          Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + day, h, m, 0),
        );
        if (t > now) return t;
      }
  return null;
}

/** "Fri 2026-11-27 00:00:00 UTC (plus a random delay up to 1h)" or a plain description. */
export function describeNextRun(file: string, content: string, now: Date): string {
  const calendar = /^OnCalendar=(.+)$/m.exec(content)?.[1];
  if (calendar) {
    const delay = /^RandomizedDelaySec=(.+)$/m.exec(content)?.[1];
    const r = spawnSync('systemd-analyze', ['calendar', '--iterations=1', calendar], { encoding: 'utf8' });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stdout is null when systemd-analyze cannot be run
    const next = /Next elapse:\s*(.+)/.exec(r.stdout ?? '')?.[1]?.trim();
    return `${next ?? `on ${calendar}`}${delay ? ` (plus a random delay up to ${delay})` : ''}`;
  }
  const line = content.split('\n').find((l) => /\srenew\b/.test(l) && /^\s*[\d*]/.test(l));
  if (line) {
    const [minute, hour] = line.trim().split(/\s+/);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the line matched /^\s*[\d*]/ and holds a renew command, so it has at least two fields
    const next = nextCronRun(minute!, hour!, now);
    if (next) return `${next.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  }
  return `as in ${file}`;
}
