/** The report renderers (table, Nagios, Prometheus, HTML) and check's pure decisions, on hand-made reports. */
import { describe, expect, it } from 'vitest';
import { assembleReport, siblingKeyNames } from '../../src/monitor/check.js';
import { parseConfig } from '../../src/config/load.js';
import { expiryFinding, worst } from '../../src/monitor/evaluate.js';
import { renderHtml, TIMELINE_DAYS } from '../../src/monitor/report/html.js';
import { renderNagios } from '../../src/monitor/report/nagios.js';
import { renderPrometheus } from '../../src/monitor/report/prometheus.js';
import { renderTable } from '../../src/monitor/report/table.js';
import { parseTarget } from '../../src/monitor/targets.js';
import { resolveAll } from '../../src/monitor/resolve.js';
import type { CertFacts } from '../../src/pki/types.js';
import type { Finding, Severity, TargetResult } from '../../src/monitor/types.js';

const DAY = 86_400_000;
const NOW = new Date('2027-03-01T12:00:00Z');

function cert(notBefore: Date, notAfter: Date, cn = 'site.test'): CertFacts {
  return {
    subject: `CN=${cn}`,
    commonName: cn,
    issuer: 'CN=Test CA',
    issuerCommonName: 'Test CA',
    serial: '0A1B',
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - NOW.getTime()) / DAY),
    dnsNames: [cn],
    ipAddresses: [],
    key: { type: 'ec', curve: 'prime256v1', bits: 256 },
    signatureAlgorithm: 'ecdsa-with-SHA256',
    fingerprintSha256: 'AA:BB',
    isCA: false,
    selfSigned: false,
    ocspUrls: [],
    caIssuersUrls: [],
  };
}

function target(
  name: string,
  o: {
    leftDays?: number;
    lifetimeDays?: number;
    findings?: Finding[];
    kind?: TargetResult['kind'];
    address?: string;
  } = {},
): TargetResult {
  const findings = o.findings ?? [];
  const certs =
    o.leftDays === undefined
      ? []
      : [
          cert(
            new Date(NOW.getTime() + (o.leftDays - (o.lifetimeDays ?? 90)) * DAY),
            new Date(NOW.getTime() + o.leftDays * DAY),
          ),
        ];
  return {
    target: name,
    kind: o.kind ?? 'file',
    address: o.address,
    status: worst(findings.map((f) => f.severity)),
    findings,
    certificates: certs,
    notAfter: certs[0]?.notAfter ?? null,
    daysLeft: certs[0]?.daysLeft ?? null,
    durationMs: 1,
  };
}

const f = (id: Finding['id'], severity: Severity, message = id): Finding => ({ id, severity, message });

/** The Nagios plugin guidelines' perfdata grammar: 'label'=value[UOM];[warn];[crit];[min];[max] */
const PERF = /^'[^'=]+'=-?\d+(\.\d+)?(s|ms|us|%|B|KB|MB|TB|c)?;(\d+:)?;(\d+:)?;-?\d*;-?\d*$/;

describe('aggregate status', () => {
  it('CRITICAL > WARNING > UNKNOWN > OK (UNKNOWN never hides a CRITICAL)', () => {
    expect(worst(['UNKNOWN', 'CRITICAL'])).toBe('CRITICAL');
    expect(worst(['UNKNOWN', 'WARNING'])).toBe('WARNING');
    expect(worst(['OK', 'UNKNOWN'])).toBe('UNKNOWN');
    expect(worst([])).toBe('OK');
    const r = assembleReport(
      [
        target('a', { findings: [f('bad-target', 'UNKNOWN')] }),
        target('b', { leftDays: -1, findings: [f('expired', 'CRITICAL')] }),
      ],
      [],
      NOW,
    );
    expect(r.status).toBe('CRITICAL');
    expect(r.exitCode).toBe(2);
  });
});

describe('Nagios renderer', () => {
  it('perfdata: seconds left, "N:" thresholds (alert below), no "d" unit; values from the report time', () => {
    const r = assembleReport(
      [target('/etc/ssl/site.pem', { leftDays: 20, findings: [f('expiring', 'WARNING')] })],
      [],
      NOW,
    );
    const line = renderNagios(r, 30, 7);
    expect(line).toBe(
      "CERTKIT WARNING - /etc/ssl/site.pem: expiring | '/etc/ssl/site.pem'=1728000s;2592000:;604800:;;",
    );
    for (const p of line.split(' | ')[1]!.split(' ')) expect(p).toMatch(PERF);
  });

  it('short-lived certificates get their own thresholds (a third and a sixth of the lifetime)', () => {
    const r = assembleReport([target('six-day.pem', { leftDays: 5, lifetimeDays: 6 })], [], NOW);
    expect(renderNagios(r, 30, 7)).toMatch(/'six-day\.pem'=432000s;172800:;86400:;;$/);
  });

  it('labels cannot break the format; "|" never appears in the text part; endpoints carry the address', () => {
    const r = assembleReport(
      [
        target("we'ird=|name.pem", { leftDays: -2, findings: [f('expired', 'CRITICAL')] }),
        target('h:443', { leftDays: 40, kind: 'endpoint', address: '::1' }),
      ],
      [],
      NOW,
    );
    const [text, perf] = renderNagios(r, 30, 7).split(' | ');
    expect(text).not.toMatch(/\|/);
    const parts = perf!.split(' ');
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p).toMatch(PERF);
    expect(parts[1]).toMatch(/^'h:443@::1'=/);
  });

  it('says when nothing was checked', () => {
    expect(renderNagios(assembleReport([], [], NOW), 30, 7)).toBe('CERTKIT UNKNOWN - nothing was checked');
  });
});

describe('table renderer', () => {
  it('most urgent first; DAYS is the whole days left, as in the finding message', () => {
    const notAfter = new Date(NOW.getTime() + 10.6 * DAY);
    const fin = expiryFinding(new Date(notAfter.getTime() - 90 * DAY), notAfter, {
      warnDays: 30,
      critDays: 7,
      strict: false,
      allowSelfSigned: [],
      now: NOW,
    })!;
    expect(fin.message).toMatch(/^expires in 10 day\(s\)/);
    const r = assembleReport(
      [target('ok.pem', { leftDays: 80 }), target('soon.pem', { leftDays: 10.6, findings: [fin] })],
      [{ path: 'x.key', reason: 'a private key' }],
      NOW,
    );
    const lines = renderTable(r, false);
    expect(lines[0]).toMatch(/^STATUS\s+TARGET\s+DAYS/);
    expect(lines[1]).toMatch(/^WARNING\s+soon\.pem\s+10\s/);
    expect(lines[2]).toMatch(/^OK\s+ok\.pem\s+80\s/);
    expect(lines.at(-1)).toMatch(/^2 checked: 0 critical, 1 warning, 0 unknown, 1 ok; 1 file\(s\) skipped/);
  });
});

describe('Prometheus renderer', () => {
  it('x509 metrics of endpoints carry the address (no duplicate series for dual-stack hosts)', () => {
    const r = assembleReport(
      [
        target('h:443', { leftDays: 40, kind: 'endpoint', address: '127.0.0.1' }),
        target('h:443', { leftDays: 40, kind: 'endpoint', address: '::1' }),
      ],
      [],
      NOW,
    );
    const series = renderPrometheus(r)
      .split('\n')
      .filter((l) => l.startsWith('x509_cert_not_after{'))
      .map((l) => l.replace(/ \d+$/, ''));
    expect(series).toHaveLength(2);
    expect(new Set(series).size).toBe(2);
    expect(series[1]).toMatch(/address="::1"/);
  });

  it('certkit_check_error per target; statuses use the Nagios numbers', () => {
    const r = assembleReport(
      [target('gone.pem', { findings: [f('missing', 'CRITICAL')] }), target('ok.pem', { leftDays: 60 })],
      [],
      NOW,
    );
    const text = renderPrometheus(r);
    expect(text).toMatch(/^certkit_check_error\{target="gone\.pem"\} 1$/m);
    expect(text).toMatch(/^certkit_check_error\{target="ok\.pem"\} 0$/m);
    expect(text).toMatch(/^certkit_target_status\{target="gone\.pem"\} 2$/m);
    expect(text).toMatch(/^certkit_check_status\{\} 2$/m);
    expect(text).toMatch(new RegExp(`^certkit_check_timestamp_seconds\\{\\} ${NOW.getTime() / 1000}$`, 'm'));
  });
});

describe('duplicate series (QA round 3)', () => {
  // a chain whose leaf and intermediate both have a weak key gives two weak-key findings; a file named and also
  // inside a named directory is checked twice: the text format allows each series once (a repeated one makes
  // the scrape or the textfile collector fail), and Nagios graphers keep one value per label
  const twice = () =>
    assembleReport(
      [
        target('weak.pem', {
          leftDays: 60,
          findings: [
            f('weak-key', 'CRITICAL', 'leaf: RSA 1024'),
            f('weak-key', 'CRITICAL', 'intermediate: RSA 1024'),
          ],
        }),
        target('site.pem', { leftDays: 60 }),
        target('site.pem', { leftDays: 60 }),
      ],
      [],
      NOW,
    );

  it('Prometheus: every series once', () => {
    const series = renderPrometheus(twice())
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/ [^ ]+$/, ''));
    expect(series.length).toBeGreaterThan(0);
    expect(series.filter((s, i) => series.indexOf(s) !== i)).toEqual([]);
    expect(series.filter((s) => s.startsWith('certkit_finding{id="weak-key"'))).toHaveLength(1);
  });

  it('Nagios: each finding id once per target, each perfdata label once', () => {
    const [text, perf] = renderNagios(twice(), 30, 7).split(' | ');
    expect(text).toBe('CERTKIT CRITICAL - weak.pem: weak-key');
    const labels = perf!.split(' ').map((p) => p.replace(/=.*$/, ''));
    expect(labels).toEqual(["'weak.pem'", "'site.pem'"]);
  });
});

describe('HTML renderer', () => {
  it('the timeline is readable for 90-day certificates beside a 10-year one (not scaled to the longest)', () => {
    const r = assembleReport(
      [target('le.pem', { leftDays: 60 }), target('ca.pem', { leftDays: 3000, lifetimeDays: 3650 })],
      [],
      NOW,
    );
    const html = renderHtml(r);
    const width = (name: string) =>
      Number(new RegExp(`data-target="${name}"[^>]*>.*?width:([\\d.]+)%`).exec(html)![1]);
    expect(width('le.pem')).toBeCloseTo((60 / TIMELINE_DAYS) * 100, 0);
    expect(width('ca.pem')).toBe(100);
    expect(html).toMatch(/class="tl-row tl-beyond" data-target="ca\.pem"/);
  });

  it('escapes what it shows', () => {
    const r = assembleReport(
      [target('<script>.pem', { findings: [f('unreadable', 'UNKNOWN', 'a & b')] })],
      [],
      NOW,
    );
    const html = renderHtml(r);
    expect(html).not.toMatch(/<script>\.pem/);
    expect(html).toMatch(/a &amp; b/);
  });
});

describe('targets and pairing', () => {
  it('STARTTLS per target: the scheme decides; --starttls only for bare host:port on a non-TLS port', () => {
    expect(parseTarget('smtp://mail.test:2525')).toMatchObject({ port: 2525, starttls: 'smtp' });
    expect(parseTarget('https://web.test:8025', { starttls: 'smtp' })).toMatchObject({
      port: 8025,
      starttls: undefined,
    });
    expect(parseTarget('web.test', { starttls: 'smtp' })).toMatchObject({ port: 443, starttls: undefined });
    expect(parseTarget('mail.test:2525', { starttls: 'smtp' })).toMatchObject({ starttls: 'smtp' });
    expect(parseTarget('mail.test:587')).toMatchObject({ starttls: 'smtp' });
    // labels: host:port where that says how the port is spoken, else with the protocol (QA round 3: smtp:// and
    // https:// on one port collapsed into one report line and one Prometheus series)
    const label = (spec: string, starttls?: string) => {
      const t = parseTarget(spec, { starttls });
      return t.kind === 'endpoint' ? t.label : t.kind;
    };
    expect(label('smtp://mail.test:2525')).toBe('smtp://mail.test:2525');
    expect(label('https://mail.test:2525')).toBe('mail.test:2525');
    expect(label('https://mail.test:587')).toBe('tls://mail.test:587');
    expect(label('mail.test:587')).toBe('mail.test:587');
    expect(label('submission://mail.test')).toBe('mail.test:587');
    expect(parseTarget(label('https://mail.test:587'))).toMatchObject({ port: 587, starttls: undefined });
    expect(parseTarget(label('smtp://mail.test:2525'))).toMatchObject({ port: 2525, starttls: 'smtp' });
    expect(parseTarget('/no/such/file.pem')).toEqual({ kind: 'path', path: '/no/such/file.pem' });
  });

  it('a key is paired by name only: privkey.pem belongs to cert.pem/fullchain.pem, never to any certificate', () => {
    expect(siblingKeyNames('/d/fullchain.pem')).toContain('privkey.pem');
    expect(siblingKeyNames('/d/cert3.pem')).toContain('privkey3.pem');
    expect(siblingKeyNames('/d/site.pem')).toEqual(['site.key', 'site-key.pem', 'site.key.pem']);
  });

  it('a wrong check config value names the file and the field', () => {
    const cfg = (check: unknown) => () => parseConfig(JSON.stringify({ check }), '/etc/certkit.json');
    expect(cfg({ warnDays: 'abc' })).toThrow(/^\/etc\/certkit\.json: "check\.warnDays" must be a number/);
    expect(cfg({ targets: 'store' })).toThrow(/"check\.targets" must be/);
    expect(cfg({ warnDay: 3 })).toThrow(/check\.warnDay/);
    expect(cfg({ warnDays: 21, targets: ['store'] })()).toEqual({
      check: { warnDays: 21, targets: ['store'] },
    });
  });
});

describe('name resolution', () => {
  it('a resolver that never answers costs the deadline, not the run', async () => {
    const started = Date.now();
    const r = await resolveAll('stuck.test', 200, () => new Promise(() => {}));
    expect(r).toEqual({ error: 'stuck.test: no DNS answer within 0.2 s' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await resolveAll('localhost', 5000)).toMatchObject({
      addresses: expect.arrayContaining(['127.0.0.1']),
    });
  });
});
