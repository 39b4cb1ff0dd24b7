/**
 * `certkit check`: collects facts for every target (files, directories, the store, endpoints on every
 * address) concurrently with a bound and a per-target timeout, then evaluates them into findings.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';
import { CertkitError } from '../errors.js';
import { signatureAlgorithmOf } from '../pki/der.js';
import { certFacts } from '../pki/facts.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import { orderChain } from '../pki/chain.js';
import { readMaterial } from '../pki/read.js';
import type { TrustStore } from '../pki/trust.js';
import type { ParsedCertificate } from '../pki/types.js';
import type { Store } from '../store/store.js';
import { evaluateChain, worst } from './evaluate.js';
import type { Target } from './targets.js';
import { probeTls } from './tls-probe.js';
import {
  EXIT_FOR,
  type CheckPolicy,
  type CheckReport,
  type Finding,
  type Severity,
  type TargetResult,
} from './types.js';

export interface CheckOptions {
  policy: CheckPolicy;
  trust: TrustStore;
  store: Store | null;
  timeoutMs: number;
  concurrency: number;
  pinIp?: string;
}

const SKIP_NAME = /(~|\.bak|\.orig|\.old|\.dpkg-(old|dist|new)|\.rpmnew|\.rpmsave|\.swp)$/i;

interface Unit {
  label: string;
  kind: TargetResult['kind'];
  run: () => Promise<Omit<TargetResult, 'durationMs'>>;
}

function result(
  label: string,
  kind: TargetResult['kind'],
  certs: ParsedCertificate[],
  findings: Finding[],
  address?: string,
): Omit<TargetResult, 'durationMs'> {
  const now = new Date();
  const facts = certs.map((c) => certFacts(c, now));
  const leaf = facts[0];
  return {
    target: label,
    kind,
    address,
    status: worst(findings.map((f) => f.severity)),
    findings,
    certificates: facts,
    notAfter: leaf?.notAfter ?? null,
    daysLeft: leaf?.daysLeft ?? null,
  };
}

function withSig(c: ParsedCertificate) {
  let signatureAlgorithm = 'unknown';
  try {
    signatureAlgorithm = signatureAlgorithmOf(c.der);
  } catch {
    /* unknown */
  }
  return { x509: c.x509, signatureAlgorithm, parsed: c };
}

function judge(
  label: string,
  kind: TargetResult['kind'],
  given: ParsedCertificate[],
  o: CheckOptions,
  hostname?: string,
  extra: Finding[] = [],
  address?: string,
  orderKnown = true,
) {
  const { chain } = orderChain(given);
  const g = given.map(withSig);
  const ordered = chain.map((c) => g.find((x) => x.parsed === c)!);
  let findings = [
    ...evaluateChain({ given: orderKnown ? g : ordered, ordered, hostname, label }, o.trust, o.policy),
    ...extra,
  ];
  // a lone certificate in a file (cert.pem beside chain.pem, a CA file) can't be judged for completeness
  if (kind === 'file' && chain.length === 1) findings = findings.filter((f) => f.id !== 'incomplete-chain');
  return result(label, kind, chain, findings, address);
}

async function siblingKey(file: string): Promise<string | null> {
  const dir = dirname(file);
  const base = basename(file, extname(file));
  const candidates = [
    `${base}.key`,
    `${base}-key.pem`,
    base.replace(/cert|fullchain|chain/, 'privkey') + '.pem',
    'privkey.pem',
  ];
  for (const c of candidates) {
    const p = join(dir, c);
    if (p !== file && (await stat(p).catch(() => null))?.isFile()) return p;
  }
  return null;
}

async function fileUnit(
  path: string,
  o: CheckOptions,
  fromDir: boolean,
  skipped: CheckReport['skipped'],
): Promise<Unit | null> {
  let material;
  try {
    material = await readMaterial(await readFile(path), path);
  } catch (err) {
    if (fromDir) {
      skipped.push({ path, reason: err instanceof CertkitError ? err.message : String(err) });
      return null;
    }
    return {
      label: path,
      kind: 'file',
      run: async () =>
        result(
          path,
          'file',
          [],
          [
            {
              id: 'unreadable',
              severity: 'UNKNOWN',
              message: err instanceof Error ? err.message : String(err),
            },
          ],
        ),
    };
  }
  if (material.certificates.length === 0) {
    skipped.push({
      path,
      reason: material.keys.length ? 'a private key' : material.csrs.length ? 'a CSR' : 'no certificate',
    });
    return null;
  }
  if (material.certificates.every((c) => c.x509.ca) && fromDir) {
    // CA bundles and roots are inputs to trust, not things that get deployed: still checked for expiry
  }
  return {
    label: path,
    kind: 'file',
    run: async () => {
      const extra: Finding[] = [];
      const { chain } = orderChain(material.certificates);
      const leaf = chain[0]!;
      const keys = material.keys.filter((k) => k.keyObject).map((k) => k.keyObject!);
      const keyFile = keys.length ? null : await siblingKey(path);
      if (keyFile) {
        try {
          const m = await readMaterial(await readFile(keyFile), keyFile);
          keys.push(...m.keys.filter((k) => k.keyObject).map((k) => k.keyObject!));
        } catch {
          /* not a key */
        }
      }
      if (!leaf.x509.ca && keys.length && !keys.some((k) => keyMatchesCertificate(k, leaf.x509))) {
        extra.push({
          id: 'key-mismatch',
          severity: 'CRITICAL',
          message: `the private key ${keyFile ?? 'in the file'} does not match the certificate`,
        });
      }
      return judge(path, 'file', material.certificates, o, undefined, extra);
    },
  };
}

async function pathUnits(path: string, o: CheckOptions, skipped: CheckReport['skipped']): Promise<Unit[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [(await fileUnit(path, o, false, skipped))!].filter(Boolean);
  const units: Unit[] = [];
  const walk = async (dir: string) => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (SKIP_NAME.test(e.name)) skipped.push({ path: p, reason: 'a backup file' });
      else if (e.isFile()) {
        const u = await fileUnit(p, o, true, skipped);
        if (u) units.push(u);
      }
    }
  };
  await walk(path);
  return units;
}

async function storeUnits(o: CheckOptions): Promise<Unit[]> {
  const store = o.store;
  if (!store) return [];
  const units: Unit[] = [];
  for (const name of await store.names()) {
    const s = await store.readSettings(name);
    if (s?.source === 'pending-csr') continue;
    units.push({
      label: `store:${name}`,
      kind: 'store',
      run: async () => {
        const live = await store.readLive(name);
        if (!live)
          return result(
            `store:${name}`,
            'store',
            [],
            [{ id: 'unreadable', severity: 'UNKNOWN', message: 'no live version' }],
          );
        const m = await readMaterial(Buffer.from(live.fullchainPem), `store:${name}`);
        const extra: Finding[] = [];
        const leaf = m.certificates[0]!;
        if (!keyMatchesCertificate(createPrivateKey(live.keyPem), leaf.x509))
          extra.push({
            id: 'key-mismatch',
            severity: 'CRITICAL',
            message: "the lineage's key does not match its certificate",
          });
        const r = judge(`store:${name}`, 'store', m.certificates, o, undefined, extra);
        if (s?.source === 'self-signed') r.findings = r.findings.filter((f) => f.id !== 'self-signed');
        r.status = worst(r.findings.map((f) => f.severity));
        return r;
      },
    });
  }
  return units;
}

/** The live certificate on disk that should be served for this host name (a store lineage covering it). */
async function deployedFor(o: CheckOptions, host: string): Promise<X509Certificate | null> {
  if (!o.store) return null;
  for (const name of await o.store.names()) {
    const live = await o.store.readLive(name).catch(() => null);
    if (!live) continue;
    const x = new X509Certificate(live.certPem);
    if (isIP(host) ? x.checkIP(host) : x.checkHost(host)) return x;
  }
  return null;
}

async function endpointUnits(t: Extract<Target, { kind: 'endpoint' }>, o: CheckOptions): Promise<Unit[]> {
  let addresses: string[];
  if (o.pinIp) addresses = [o.pinIp];
  else if (isIP(t.host)) addresses = [t.host];
  else {
    try {
      addresses = (await lookup(t.host, { all: true })).map((a) => a.address);
    } catch (err) {
      return [
        {
          label: t.label,
          kind: 'endpoint',
          run: async () =>
            result(
              t.label,
              'endpoint',
              [],
              [
                {
                  id: 'unreachable',
                  severity: 'CRITICAL',
                  message: `${t.host} does not resolve (${(err as NodeJS.ErrnoException).code})`,
                },
              ],
            ),
        },
      ];
    }
  }
  return addresses.map((address) => ({
    label: t.label,
    kind: 'endpoint' as const,
    run: async () => {
      const probe = await probeTls({
        address,
        port: t.port,
        servername: t.host,
        starttls: t.starttls,
        timeoutMs: o.timeoutMs,
      });
      if (probe.failure)
        return result(
          t.label,
          'endpoint',
          [],
          [{ id: probe.failure.id, severity: 'CRITICAL', message: probe.failure.message }],
          address,
        );
      const certs: ParsedCertificate[] = probe.certs.map((der) => ({ x509: new X509Certificate(der), der }));
      const extra: Finding[] = [];
      const deployed = await deployedFor(o, t.host);
      if (deployed && certs[0] && deployed.fingerprint256 !== certs[0].x509.fingerprint256) {
        extra.push({
          id: 'served-differs',
          severity: 'WARNING',
          message: `serves ${certs[0].x509.fingerprint256.slice(0, 23)}… but the deployed certificate is ${deployed.fingerprint256.slice(0, 23)}… (renewed but not reloaded?)`,
        });
      }
      return judge(t.label, 'endpoint', certs, o, t.host, extra, address, probe.orderKnown);
    },
  }));
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function runCheck(targets: Target[], o: CheckOptions): Promise<CheckReport> {
  const skipped: CheckReport['skipped'] = [];
  const units: Unit[] = [];
  for (const t of targets) {
    if (t.kind === 'path') units.push(...(await pathUnits(t.path, o, skipped)));
    else if (t.kind === 'store') units.push(...(await storeUnits(o)));
    else units.push(...(await endpointUnits(t, o)));
  }
  const results = await pool(units, o.concurrency, async (u) => {
    const started = Date.now();
    let r: Omit<TargetResult, 'durationMs'>;
    try {
      // a hard stop per target on top of the socket timeouts: one stuck target never stalls the run
      r = await Promise.race([
        u.run(),
        new Promise<Omit<TargetResult, 'durationMs'>>((resolve) =>
          setTimeout(
            () =>
              resolve(
                result(
                  u.label,
                  u.kind,
                  [],
                  [
                    {
                      id: 'timeout',
                      severity: 'CRITICAL',
                      message: `no answer within ${o.timeoutMs / 1000} s`,
                    },
                  ],
                ),
              ),
            o.timeoutMs + 2000,
          ).unref(),
        ),
      ]);
    } catch (err) {
      r = result(
        u.label,
        u.kind,
        [],
        [{ id: 'unreadable', severity: 'UNKNOWN', message: (err as Error).message }],
      );
    }
    return { ...r, durationMs: Date.now() - started };
  });
  const status: Severity = results.length === 0 ? 'UNKNOWN' : worst(results.map((r) => r.status));
  const counts = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 } as Record<Severity, number>;
  for (const r of results) counts[r.status]++;
  return {
    schemaVersion: 1,
    generatedAt: o.policy.now.toISOString(),
    status,
    exitCode: EXIT_FOR[status],
    counts,
    skipped,
    targets: results,
  };
}
