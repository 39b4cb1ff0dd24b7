/** The audit's renderings that need no terminal: the Nagios line and a self-contained HTML page. */
import type { AuditReport, PortReport } from './types.js';

export function portLabel(p: PortReport): string {
  const addr = p.address.includes(':') ? `[${p.address}]` : p.address;
  return `${addr}:${p.port}/${p.transport}`;
}

export function speaksLabel(p: PortReport): string {
  if (p.speaks === 'tls') return `tls${p.tlsProtocol ? ` (${p.tlsProtocol})` : ''}`;
  if (p.starttls !== undefined) return `${p.speaks}${p.starttls ? '+starttls' : ''}`;
  return p.speaks;
}

export function certificateLabel(p: PortReport): string {
  if (!p.certificate) return '-';
  return p.certificate.lineage ? `lineage ${p.certificate.lineage}` : 'unmanaged';
}

export function renderAuditNagios(r: AuditReport): string {
  const bad = r.ports.filter((p) => p.status !== 'OK');
  const summary = bad.length
    ? bad
        .slice(0, 5)
        .map((p) => `${portLabel(p)}: ${p.findings.map((f) => f.id).join(',')}`)
        .join('; ') + (bad.length > 5 ? `; +${bad.length - 5} more` : '')
    : `${r.ports.length} port(s) ok`;
  return `CERTKIT AUDIT ${r.status} - ${summary} | ports=${r.ports.length};;;0; critical=${r.counts.CRITICAL};;;0; warning=${r.counts.WARNING};;;0;`;
}

const h = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function renderAuditHtml(r: AuditReport): string {
  const rows = r.ports
    .map(
      (p) => `<tr data-port="${p.port}" data-transport="${p.transport}" data-status="${p.status}">
  <td><span class="badge s-${p.status}">${p.status}</span></td>
  <td>${h(portLabel(p))}<br><small>${h(p.scope)}</small></td>
  <td>${h(speaksLabel(p))}</td>
  <td>${h(p.origin)}</td>
  <td>${p.certificate ? `${h(certificateLabel(p))}<br><small>${h(p.certificate.subject)} · until ${h(p.certificate.notAfter.slice(0, 10))}</small>` : '-'}</td>
  <td><ul class="findings">${
    p.findings
      .map(
        (f) =>
          `<li data-finding-id="${h(f.id)}" data-severity="${f.severity}"><b>${h(f.id)}</b> ${h(f.message)}${f.fix ? `<br><code>${h(f.fix)}</code>` : ''}</li>`,
      )
      .join('') || '<li class="ok">no findings</li>'
  }</ul></td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>certkit audit of ${h(r.host)}: ${r.status}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;background:#fafafa}
h1{font-size:1.4rem}.badge{padding:.1rem .5rem;border-radius:.3rem;color:#fff;font-weight:600;font-size:.8rem}
.s-OK{background:#2e7d32}.s-WARNING{background:#ef8f00}.s-CRITICAL{background:#c62828}.s-UNKNOWN{background:#6a1b9a}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
ul.findings{margin:0;padding-left:1rem}code{background:#f1f1f1;padding:0 .2rem}
</style></head><body>
<h1>certkit audit of ${h(r.host)} <span class="badge s-${r.status}" id="overall">${r.status}</span></h1>
<p id="summary">${r.ports.length} ${r.mode === 'remote' ? 'open ports seen from here' : 'listening sockets'} at ${h(r.generatedAt)}: ${r.counts.CRITICAL} critical, ${r.counts.WARNING} warning, ${r.counts.UNKNOWN} unknown, ${r.counts.OK} ok.</p>
<table id="ports"><thead><tr><th>Status</th><th>Port</th><th>Speaks</th><th>Configured by</th><th>Certificate</th><th>Findings and fixes</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
