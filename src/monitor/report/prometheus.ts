/**
 * Prometheus text format (node-exporter textfile collector), with the metric names users already alert on:
 * blackbox_exporter's probe_* and x509-certificate-exporter's x509_cert_*, plus certkit_finding. Broken
 * targets get metrics too (probe_success 0, certkit_finding), so an expired cert never looks like a dead host.
 */
import type { CheckReport, TargetResult } from '../types.js';
import { CHECK_ERROR_IDS, EXIT_FOR } from '../types.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (o: Record<string, string | undefined>) =>
  `{${Object.entries(o)
    .filter(([, v]) => v !== undefined)
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- filtered to defined values on the line above
    .map(([k, v]) => `${k}="${esc(v!)}"`)
    .join(',')}}`;
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

interface Metric {
  name: string;
  help: string;
  type: 'gauge';
  samples: string[];
}

export function renderPrometheus(r: CheckReport): string {
  const m: Record<string, Metric> = {};
  // a series is written once: two findings with one id (a weak key in the leaf and in the intermediate) or a
  // file reached twice (named and inside a named directory) would repeat it, and a scrape or the textfile
  // collector rejects a series given twice
  const written = new Set<string>();
  const add = (name: string, help: string, l: Record<string, string | undefined>, value: number) => {
    const series = `${name}${labels(l)}`;
    if (written.has(series)) return;
    written.add(series);
    (m[name] ??= { name, help, type: 'gauge', samples: [] }).samples.push(`${series} ${value}`);
  };
  const now = Math.floor(Date.parse(r.generatedAt) / 1000);
  for (const t of r.targets) {
    const base = { target: t.target, address: t.address };
    if (t.kind === 'endpoint') {
      add(
        'probe_success',
        'Whether the TLS probe succeeded (blackbox_exporter compatible)',
        base,
        t.certificates.length ? 1 : 0,
      );
      if (t.certificates.length) {
        add(
          'probe_ssl_earliest_cert_expiry',
          'Earliest expiry of the served chain, unix seconds',
          base,
          Math.min(...t.certificates.map((c) => unix(c.notAfter))),
        );
        add(
          'probe_ssl_last_chain_expiry_timestamp_seconds',
          'Expiry of the served chain, unix seconds',
          base,
          Math.min(...t.certificates.map((c) => unix(c.notAfter))),
        );
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- an endpoint target with a chain has at least one certificate
        const leaf = t.certificates[0]!;
        add(
          'probe_ssl_last_chain_info',
          'The served leaf certificate',
          {
            ...base,
            fingerprint_sha256: leaf.fingerprintSha256.replace(/:/g, '').toLowerCase(),
            subject: leaf.subject,
            issuer: leaf.issuer,
            subjectalternative: leaf.dnsNames.join(','),
            serialnumber: leaf.serial.toLowerCase(),
          },
          1,
        );
      }
    }
    certMetrics(t, add, now);
    for (const f of t.findings)
      add(
        'certkit_finding',
        'A finding of certkit check (1 while present)',
        { id: f.id, target: t.target, address: t.address, severity: f.severity },
        1,
      );
    add(
      'certkit_check_error',
      'Whether the target could not be checked at all (missing, unreadable, invalid): 1, else 0',
      base,
      t.findings.some((f) => CHECK_ERROR_IDS.has(f.id)) ? 1 : 0,
    );
    add(
      'certkit_target_status',
      'Status of the target: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
      base,
      EXIT_FOR[t.status],
    );
  }
  add(
    'certkit_check_status',
    'Overall status of the run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    {},
    EXIT_FOR[r.status],
  );
  add('certkit_check_timestamp_seconds', 'When the check ran, unix seconds', {}, now);
  return (
    Object.values(m)
      .map((x) => [`# HELP ${x.name} ${x.help}`, `# TYPE ${x.name} ${x.type}`, ...x.samples].join('\n'))
      .join('\n') + '\n'
  );
}

function certMetrics(
  t: TargetResult,
  add: (n: string, h: string, l: Record<string, string | undefined>, v: number) => void,
  now: number,
) {
  const leaf = t.certificates[0];
  if (!leaf) return;
  // endpoints: one series per address (a dual-stack host has two), like blackbox_exporter's probes
  const l = {
    filepath: t.kind === 'endpoint' ? undefined : t.target,
    target: t.kind === 'endpoint' ? t.target : undefined,
    address: t.address,
    subject_CN: leaf.commonName ?? '',
    issuer_CN: leaf.issuerCommonName ?? '',
    serial_number: leaf.serial.toLowerCase(),
  };
  add(
    'x509_cert_not_after',
    'notAfter of the certificate, unix seconds (x509-certificate-exporter compatible)',
    l,
    unix(leaf.notAfter),
  );
  add('x509_cert_not_before', 'notBefore of the certificate, unix seconds', l, unix(leaf.notBefore));
  add('x509_cert_expired', '1 when the certificate has expired', l, unix(leaf.notAfter) <= now ? 1 : 0);
}
