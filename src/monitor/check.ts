/**
 * `certkit check`: collects facts for every target (files, directories, the store, endpoints on every
 * address) concurrently with a bound and a per-target timeout, then evaluates them into findings.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';
import { looksLikePkcs12, signatureAlgorithmOf } from '../pki/der.js';
import { CertkitError } from '../errors.js';
import { certFacts } from '../pki/facts.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import { orderChain } from '../pki/chain.js';
import { readMaterial, readRegularFileSync } from '../pki/read.js';
import type { TrustStore } from '../pki/trust.js';
import type { ParsedCertificate } from '../pki/types.js';
import type { Store } from '../store/store.js';
import { evaluateChain, worst } from './evaluate.js';
import { namesRevocationSource, revocationFindings, type RevocationRun } from './trust-findings.js';
import type { Target } from './targets.js';
import { resolveAll } from './resolve.js';
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
  /** names every file's certificate must cover (check FILE --name) */
  names?: string[];
  /** online revocation (OCSP / CRL) of each leaf that names a responder or CRL (default on) */
  revocation?: RevocationRun;
  /** PKCS#12 password / key passphrase for the files checked (--password-file, CERTKIT_PASSWORD) */
  password?: string;
}

const SKIP_NAME = /(~|\.bak|\.orig|\.old|\.dpkg-(old|dist|new)|\.rpmnew|\.rpmsave|\.swp)$/i;
/** Names that promise certificate material: when such a file cannot be read it is a finding, not a skip. */
const CERT_NAME = /\.(pem|crt|cer|der|p7b|p7c|pfx|p12)$/i;
/** Private keys are often unreadable to the monitoring user on purpose: those are skipped, not UNKNOWN. */
const KEY_NAME = /(\.key|key\.pem|\.key\.pem)$/i;

interface Unit {
  label: string;
  kind: TargetResult['kind'];
  /** null: nothing to report (a file in a directory that is not certificate material, recorded as skipped) */
  run: () => Promise<Omit<TargetResult, 'durationMs'> | null>;
}

function result(
  label: string,
  kind: TargetResult['kind'],
  certs: ParsedCertificate[],
  findings: Finding[],
  now: Date,
  address?: string,
): Omit<TargetResult, 'durationMs'> {
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

/** A target that could not be checked at all: one finding, no certificate. */
function failedUnit(
  label: string,
  kind: TargetResult['kind'],
  finding: Finding,
  o: CheckOptions,
  address?: string,
): Unit {
  return { label, kind, run: async () => result(label, kind, [], [finding], o.policy.now, address) };
}

/** One line: findings are table cells and Nagios text. */
const messageOf = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();

/** The finding for a file or directory that could not be read: gone is CRITICAL, anything else UNKNOWN. */
function readFailure(path: string, err: unknown): Finding {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || /: no such file$/.test(messageOf(err)))
    return { id: 'missing', severity: 'CRITICAL', message: `${path}: no such file or directory` };
  if (code === 'EACCES' || code === 'EPERM')
    return { id: 'unreadable', severity: 'UNKNOWN', message: `${path}: permission denied` };
  // a password-protected file says how to give the password
  const hint =
    err instanceof CertkitError && /password/.test(err.message) && err.hint ? ` (${err.hint})` : '';
  const message = messageOf(err) + hint;
  return {
    id: 'unreadable',
    severity: 'UNKNOWN',
    message: message.startsWith(path) ? message : `${path}: ${message}`,
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

/** Online revocation of the leaf (trust's part, src/monitor/trust-findings.ts). */
async function revocation(certs: ParsedCertificate[], o: CheckOptions): Promise<Finding[]> {
  if (!o.revocation?.enabled || !certs.some((c) => namesRevocationSource(c.x509))) return [];
  const { chain, unrelated } = orderChain(certs);
  const others = [...chain.slice(1), ...unrelated].map((c) => c.x509);
  return revocationFindings(chain[0]?.x509, others, o.trust, o.policy, o.revocation);
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
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain returns certificates taken from the given list
  const ordered = chain.map((c) => g.find((x) => x.parsed === c)!);
  let findings = [
    ...evaluateChain(
      {
        given: orderKnown ? g : ordered,
        ordered,
        hostname,
        names: kind === 'file' ? o.names : undefined,
        label,
      },
      o.trust,
      o.policy,
    ),
    ...extra,
  ];
  // a lone certificate in a file (cert.pem beside chain.pem, a CA file) can't be judged for completeness
  if (kind === 'file' && chain.length === 1) findings = findings.filter((f) => f.id !== 'incomplete-chain');
  return result(label, kind, chain, findings, o.policy.now, address);
}

/**
 * The key file that belongs to a certificate file by name: site.pem → site.key / site-key.pem / site.key.pem;
 * certbot's cert.pem / fullchain.pem / cert3.pem → privkey.pem / privkey3.pem. Never "any privkey.pem in the
 * directory": that paired one key with every certificate and reported false key mismatches.
 */
export function siblingKeyNames(file: string): string[] {
  const base = basename(file, extname(file));
  const names = [`${base}.key`, `${base}-key.pem`, `${base}.key.pem`];
  const certbot = /^(?:cert|fullchain)(\d*)$/.exec(base);
  if (certbot) names.push(`privkey${certbot[1]}.pem`);
  else if (/cert|fullchain/.test(base)) names.push(base.replace(/fullchain|cert/, 'privkey') + '.pem');
  return names.filter((n) => n !== basename(file));
}

/** The sibling key file, looked up in the directory listing when there is one (no stat per file). */
function siblingKey(file: string, listing?: ReadonlySet<string>): string | null {
  for (const name of siblingKeyNames(file)) {
    if (listing ? listing.has(name) : existsSync(join(dirname(file), name))) return join(dirname(file), name);
  }
  return null;
}

const failed = (label: string, kind: TargetResult['kind'], finding: Finding, now: Date) =>
  result(label, kind, [], [finding], now);

/**
 * One file: read and judged when the pool gets to it (not all files held in memory first). What is not
 * certificate material is recorded in `skipped` and yields null; what claims to be and cannot be read is a finding.
 */
function fileUnit(
  path: string,
  o: CheckOptions,
  skipped: CheckReport['skipped'],
  listing?: ReadonlySet<string>,
): Unit {
  const fromDir = listing !== undefined;
  const now = o.policy.now;
  return {
    label: path,
    kind: 'file',
    run: async () => {
      let buf: Buffer | undefined;
      let material;
      try {
        buf = readRegularFileSync(path);
        material = await readMaterial(buf, path, { password: o.password });
      } catch (err) {
        // in a directory, a file that does not even claim to be certificate material is skipped with its reason;
        // one that does (a truncated PEM, a password-protected .pfx, an unreadable .crt) is reported
        const claims =
          CERT_NAME.test(path) ||
          (buf !== undefined &&
            (looksLikePkcs12(buf) || /-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/.test(buf.toString('latin1'))));
        // an empty file (a self-signed lineage's chain.pem) holds nothing to judge either
        if (fromDir && (!claims || buf?.length === 0 || (KEY_NAME.test(path) && buf === undefined))) {
          skipped.push({ path, reason: messageOf(err) });
          return null;
        }
        return failed(path, 'file', readFailure(path, err), now);
      }
      if (material.certificates.length === 0) {
        const what = material.keys.length
          ? 'a private key'
          : material.csrs.length
            ? 'a CSR'
            : 'no certificate';
        if (fromDir) {
          skipped.push({ path, reason: what });
          return null;
        }
        const finding: Finding = {
          id: 'unreadable',
          severity: 'UNKNOWN',
          message: `${path}: holds ${what}, no certificate`,
        };
        return failed(path, 'file', finding, now);
      }
      const certificates = material.certificates;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- filtered to keys with a keyObject on the same line or just above
      const keys = material.keys.filter((k) => k.keyObject).map((k) => k.keyObject!);
      const extra: Finding[] = [];
      const { chain } = orderChain(certificates);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain keeps at least the leaf
      const leaf = chain[0]!;
      const keyFile = keys.length || leaf.x509.ca ? null : siblingKey(path, listing);
      if (keyFile) {
        try {
          const m = await readMaterial(readRegularFileSync(keyFile, 'key'), keyFile);
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- filtered to keys with a keyObject on the same line or just above
          keys.push(...m.keys.filter((k) => k.keyObject).map((k) => k.keyObject!));
        } catch {
          /* not a key, encrypted, or not readable by this user: nothing to compare */
        }
      }
      if (!leaf.x509.ca && keys.length && !keys.some((k) => keyMatchesCertificate(k, leaf.x509))) {
        extra.push({
          id: 'key-mismatch',
          severity: 'CRITICAL',
          message: `the private key ${keyFile ?? 'in the file'} does not match the certificate`,
        });
      }
      extra.push(...(await revocation(certificates, o)));
      return judge(path, 'file', certificates, o, undefined, extra);
    },
  };
}

const SPECIAL_FILE: [keyof Dirent, string][] = [
  ['isFIFO', 'a named pipe (FIFO), not a file'],
  ['isSocket', 'a socket, not a file'],
  ['isCharacterDevice', 'a device, not a file'],
  ['isBlockDevice', 'a device, not a file'],
];

/** Files and directories: every problem becomes a unit of its own (a finding), the rest is still checked. */
async function pathUnits(path: string, o: CheckOptions, skipped: CheckReport['skipped']): Promise<Unit[]> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    return [failedUnit(path, 'file', readFailure(path, err), o)];
  }
  if (!st.isDirectory()) return [fileUnit(path, o, skipped)];
  const units: Unit[] = [];
  // links to directories are followed (a store's or certbot's live/ is a directory of links to version
  // directories); each real directory is read once, so a link loop or two links to one place end there
  const seen = new Set<string>();
  const walk = async (dir: string) => {
    const real = await realpath(dir).catch(() => dir);
    if (seen.has(real)) {
      skipped.push({ path: dir, reason: `the same directory as ${real}, already checked` });
      return;
    }
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      units.push(failedUnit(dir, 'file', readFailure(dir, err), o));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const listing = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(p).catch((err: NodeJS.ErrnoException) => err);
        if (target instanceof Error) {
          const loop = target.code === 'ELOOP';
          if (loop) skipped.push({ path: p, reason: 'a link loop' });
          else units.push(failedUnit(p, 'file', readFailure(p, { code: 'ENOENT' }), o));
          continue;
        }
        isFile = target.isFile();
        isDir = target.isDirectory();
      }
      if (isDir) await walk(p);
      else if (SKIP_NAME.test(e.name)) skipped.push({ path: p, reason: 'a backup file' });
      else if (isFile) {
        units.push(fileUnit(p, o, skipped, listing));
      } else {
        const special = SPECIAL_FILE.find(([is]) => (e[is] as () => boolean).call(e));
        skipped.push({ path: p, reason: special?.[1] ?? 'not a regular file' });
      }
    }
  };
  await walk(path);
  return units;
}

async function storeUnits(o: CheckOptions): Promise<Unit[]> {
  const store = o.store;
  if (!store) return [];
  let names: string[];
  try {
    names = await store.names();
  } catch (err) {
    return [failedUnit('store', 'store', readFailure(store.root, err), o)];
  }
  const units: Unit[] = [];
  for (const name of names) {
    const label = `store:${name}`;
    // a lineage without readable renewal settings is never renewed: said, and its certificate still checked
    const settingsFile = join(store.lineageDir(name), 'settings.json');
    const broken = (why: string): Finding => ({
      id: 'settings-broken',
      severity: 'WARNING',
      message: `${why} (renew will not renew this lineage until it is fixed)`,
    });
    let settingsFinding: Finding | null = null;
    let settings: Awaited<ReturnType<Store['readSettings']>> = null;
    try {
      settings = await store.readSettings(name);
      if (settings === null) settingsFinding = broken(`${settingsFile}: missing`);
    } catch (err) {
      const why = messageOf(err);
      settingsFinding = broken(why.includes(settingsFile) ? why : `${settingsFile}: ${why}`);
    }
    if (settings?.source === 'pending-csr') continue;
    units.push({
      label,
      kind: 'store',
      run: async () => {
        const live = await store.readLive(name);
        if (!live)
          return result(
            label,
            'store',
            [],
            [
              { id: 'unreadable', severity: 'UNKNOWN', message: 'no live version' },
              ...(settingsFinding ? [settingsFinding] : []),
            ],
            o.policy.now,
          );
        const m = await readMaterial(Buffer.from(live.fullchainPem), store.livePath(name, 'fullchain.pem'));
        const extra: Finding[] = settingsFinding ? [settingsFinding] : [];
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the store only makes live versions holding a certificate (Store.verifyVersion)
        const leaf = m.certificates[0]!;
        const keyPath = store.livePath(name, 'privkey.pem');
        let key;
        try {
          key = createPrivateKey(live.keyPem);
        } catch (err) {
          extra.push({
            id: 'unreadable',
            severity: 'UNKNOWN',
            message: `${keyPath}: damaged private key (${messageOf(err)})`,
          });
        }
        if (key && !keyMatchesCertificate(key, leaf.x509))
          extra.push({
            id: 'key-mismatch',
            severity: 'CRITICAL',
            message: `the lineage's key ${keyPath} does not match its certificate`,
          });
        const revokedHere = settings?.revoked;
        if (revokedHere && revokedHere.serial === m.certificates[0]?.x509.serialNumber)
          extra.push({
            id: 'revoked',
            severity: 'CRITICAL',
            message: `revoked with certkit revoke on ${revokedHere.at} (${revokedHere.reason}); renew it`,
          });
        else extra.push(...(await revocation(m.certificates, o)));
        return judge(label, 'store', m.certificates, o, undefined, extra);
      },
    });
  }
  return units;
}

/** The live certificates of the store, read once per run (not once per endpoint and address). */
async function liveCertificates(store: Store | null): Promise<X509Certificate[]> {
  if (!store) return [];
  const out: X509Certificate[] = [];
  for (const name of await store.names().catch(() => [])) {
    const live = await store.readLive(name).catch(() => null);
    if (!live) continue;
    try {
      out.push(new X509Certificate(live.certPem));
    } catch {
      /* a damaged lineage is reported by "check store" */
    }
  }
  return out;
}

/** The live certificate on disk that should be served for this host name (a store lineage covering it). */
function deployedFor(live: X509Certificate[], host: string): X509Certificate | null {
  return live.find((x) => (isIP(host) ? x.checkIP(host) : x.checkHost(host))) ?? null;
}

async function endpointUnits(
  t: Extract<Target, { kind: 'endpoint' }>,
  o: CheckOptions,
  live: () => Promise<X509Certificate[]>,
): Promise<Unit[]> {
  let addresses: string[];
  if (o.pinIp) addresses = [o.pinIp];
  else if (isIP(t.host)) addresses = [t.host];
  else {
    const r = await resolveAll(t.host, o.timeoutMs);
    if ('error' in r)
      return [
        failedUnit(t.label, 'endpoint', { id: 'unreachable', severity: 'CRITICAL', message: r.error }, o),
      ];
    addresses = r.addresses;
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
          o.policy.now,
          address,
        );
      const certs: ParsedCertificate[] = probe.certs.map((der) => ({ x509: new X509Certificate(der), der }));
      const extra: Finding[] = [];
      const deployed = deployedFor(await live(), t.host);
      if (deployed && certs[0] && deployed.fingerprint256 !== certs[0].x509.fingerprint256) {
        extra.push({
          id: 'served-differs',
          severity: 'WARNING',
          message: `serves ${certs[0].x509.fingerprint256.slice(0, 23)}… but the deployed certificate is ${deployed.fingerprint256.slice(0, 23)}… (renewed but not reloaded?)`,
        });
      }
      extra.push(...(await revocation(certs, o)));
      return judge(t.label, 'endpoint', certs, o, t.host, extra, address, probe.orderKnown);
    },
  }));
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < items.length (loop condition)
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

async function unitsFor(
  t: Target,
  o: CheckOptions,
  skipped: CheckReport['skipped'],
  live: () => Promise<X509Certificate[]>,
): Promise<Unit[]> {
  switch (t.kind) {
    case 'invalid':
      return [failedUnit(t.spec, 'file', { id: 'bad-target', severity: 'UNKNOWN', message: t.reason }, o)];
    case 'path':
      return pathUnits(t.path, o, skipped);
    case 'store':
      return storeUnits(o);
    case 'endpoint':
      return endpointUnits(t, o, live);
  }
}

/** Runs one unit with a hard deadline; whatever goes wrong becomes a finding of that unit alone. */
async function runUnit(u: Unit, o: CheckOptions): Promise<TargetResult | null> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let r: Omit<TargetResult, 'durationMs'> | null;
  const timedOut = (): Omit<TargetResult, 'durationMs'> => {
    const message = `no answer within ${o.timeoutMs / 1000} s`;
    return failed(u.label, u.kind, { id: 'timeout', severity: 'CRITICAL', message }, o.policy.now);
  };
  try {
    // a hard stop per network target on top of the socket timeouts: one stuck target never stalls the run
    // (files are read synchronously: a timer each would only cost time)
    r =
      u.kind === 'file'
        ? await u.run()
        : await Promise.race([
            u.run(),
            new Promise<Omit<TargetResult, 'durationMs'>>((resolve) => {
              timer = setTimeout(() => resolve(timedOut()), o.timeoutMs + 2000);
              timer.unref();
            }),
          ]);
  } catch (err) {
    r = failed(u.label, u.kind, readFailure(u.label, err), o.policy.now);
  } finally {
    clearTimeout(timer);
  }
  return r && { ...r, durationMs: Date.now() - started };
}

/** Never throws for a target: an unreadable directory, a missing file or a bad target is a finding of its own. */
export async function runCheck(targets: Target[], o: CheckOptions): Promise<CheckReport> {
  const skipped: CheckReport['skipped'] = [];
  let liveOnce: Promise<X509Certificate[]> | undefined;
  const live = () => (liveOnce ??= liveCertificates(o.store));
  // targets are expanded concurrently: host names resolve in parallel, each within the deadline
  const perTarget = await pool(targets, o.concurrency, async (t): Promise<Unit[]> => {
    try {
      return await unitsFor(t, o, skipped, live);
    } catch (err) {
      const label = t.kind === 'path' ? t.path : t.kind === 'endpoint' ? t.label : t.kind;
      return [failedUnit(label, 'file', readFailure(label, err), o)];
    }
  });
  const units = perTarget.flat();
  const results = (await pool(units, o.concurrency, (u) => runUnit(u, o))).filter(
    (r): r is TargetResult => r !== null,
  );
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return assembleReport(results, skipped, o.policy.now);
}

export function assembleReport(
  results: TargetResult[],
  skipped: CheckReport['skipped'],
  now: Date,
): CheckReport {
  const status: Severity = results.length === 0 ? 'UNKNOWN' : worst(results.map((r) => r.status));
  const counts: Record<Severity, number> = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 };
  for (const r of results) counts[r.status]++;
  return {
    schemaVersion: 1,
    generatedAt: now.toISOString(),
    status,
    exitCode: EXIT_FOR[status],
    counts,
    skipped,
    targets: results,
  };
}
