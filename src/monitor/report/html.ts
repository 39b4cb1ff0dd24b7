/** One self-contained HTML page: a timeline of expiries and every finding. No external assets. */
import type { CheckReport } from '../types.js';
import { byUrgency } from './sort.js';

const h = (s: string) =>
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the regex only matches the five keys of the map
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The timeline shows a fixed window (the next TIMELINE_DAYS days), not the longest-lived certificate: a 90-day
 * certificate beside a 10-year CA file must stay readable. Longer ones fill the track and are marked "beyond".
 */
export const TIMELINE_DAYS = 90;

export function timelineWidthPercent(daysLeft: number): number {
  return Math.max(0, Math.min(100, (daysLeft / TIMELINE_DAYS) * 100));
}

export function renderHtml(r: CheckReport): string {
  const targets = [...r.targets].sort(byUrgency);
  const dated = targets
    .filter((t): t is typeof t & { daysLeft: number } => t.daysLeft !== null)
    .sort((a, b) => a.daysLeft - b.daysLeft);
  const timeline = dated
    .map((t) => {
      const beyond = t.daysLeft > TIMELINE_DAYS ? ' tl-beyond' : '';
      return `<div class="tl-row${beyond}" data-target="${h(t.target)}" data-days="${t.daysLeft}"><span class="tl-label">${h(t.target)}</span><span class="tl-track"><span class="tl-bar s-${t.status}" style="width:${timelineWidthPercent(t.daysLeft).toFixed(1)}%"></span></span><span class="tl-days">${t.daysLeft} d · ${h(t.notAfter?.slice(0, 10) ?? '')}</span></div>`;
    })
    .join('\n');
  const rows = targets
    .map(
      (t) => `<tr data-target="${h(t.target)}" data-status="${t.status}">
  <td><span class="badge s-${t.status}">${t.status}</span></td>
  <td>${h(t.target)}${t.address ? `<br><small>${h(t.address)}</small>` : ''}</td>
  <td>${t.daysLeft ?? '-'}</td>
  <td>${h(t.certificates[0]?.issuerCommonName ?? t.certificates[0]?.issuer ?? '-')}</td>
  <td><ul class="findings">${t.findings.map((f) => `<li data-finding-id="${f.id}" data-severity="${f.severity}"><b>${f.id}</b> ${h(f.message)}</li>`).join('') || '<li class="ok">no findings</li>'}</ul></td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>certkit check: ${r.status}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;background:#fafafa}
h1{font-size:1.4rem}.badge{padding:.1rem .5rem;border-radius:.3rem;color:#fff;font-weight:600;font-size:.8rem}
.s-OK{background:#2e7d32}.s-WARNING{background:#ef8f00}.s-CRITICAL{background:#c62828}.s-UNKNOWN{background:#6a1b9a}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
ul.findings{margin:0;padding-left:1rem}.tl-row{display:flex;gap:.5rem;align-items:center;margin:.15rem 0}
.tl-label{width:22rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.tl-track{flex:1;background:#eee;height:.8rem;border-radius:.4rem}
.tl-bar{display:block;height:100%;border-radius:.4rem;min-width:2px}.tl-beyond .tl-bar{border-radius:.4rem 0 0 .4rem;background-image:linear-gradient(90deg,transparent 90%,rgba(255,255,255,.6))}.tl-days{width:11rem;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>certkit check <span class="badge s-${r.status}" id="overall">${r.status}</span></h1>
<p id="summary">${r.targets.length} checked at ${h(r.generatedAt)}: ${r.counts.CRITICAL} critical, ${r.counts.WARNING} warning, ${r.counts.UNKNOWN} unknown, ${r.counts.OK} ok.</p>
<h2>Expiry timeline <small>(the next ${TIMELINE_DAYS} days)</small></h2>
<div id="timeline">${timeline || '<p>no certificates</p>'}</div>
<h2>Findings</h2>
<table id="targets"><thead><tr><th>Status</th><th>Target</th><th>Days</th><th>Issuer</th><th>Findings</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
