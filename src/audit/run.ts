/**
 * `certkit audit`: every socket this host listens on (or the ports of a remote host), what each speaks, what
 * configured it, which certificate it serves and what is wrong with it. One report, urgent first.
 */
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CertkitError } from '../errors.js';
import type { CheckOptions } from '../monitor/check.js';
import { worst } from '../monitor/evaluate.js';
import { EXIT_FOR, type Severity } from '../monitor/types.js';
import type { Store } from '../store/store.js';
import { pool } from '../util/pool.js';
import { analyzePort, type AnalyzeContext, type PortJob } from './analyze-port.js';
import { originFor, type ApacheSite, type AsteriskListener } from './origins.js';
import { socketOwners } from './processes.js';
import { listeningSockets, type ListeningSocket } from './sockets.js';
import type { AuditReport, PortReport } from './types.js';

/** TLS, mail, SIP and admin ports looked at by --remote when --ports is not given */
export const DEFAULT_REMOTE_PORTS = [
  21, 22, 25, 80, 110, 143, 443, 465, 587, 993, 995, 2083, 2087, 5038, 5039, 5060, 5061, 8080, 8088, 8089,
  8443, 10000,
];

export interface AuditOptions {
  remoteHost?: string;
  /** local: only these ports; remote: the ports to try */
  ports?: number[];
  timeoutMs: number;
  concurrency: number;
  adminPaths: string[];
  sites: ApacheSite[];
  asterisk: AsteriskListener[];
  store: Store | null;
  check: Omit<CheckOptions, 'timeoutMs' | 'concurrency' | 'pinIp' | 'store'>;
  procRoot?: string;
  now: Date;
}

function probeAddressOf(s: ListeningSocket): string {
  if (s.scope !== 'all') return s.address.replace(/^::ffff:/, '');
  return s.family === 6 ? '::1' : '127.0.0.1';
}

async function storeIndex(store: Store | null) {
  const byFingerprint = new Map<string, string>();
  const certs: { lineage: string; x509: X509Certificate }[] = [];
  if (store) {
    for (const name of await store.names().catch(() => [] as string[])) {
      const live = await store.readLive(name).catch(() => null);
      if (!live) continue;
      try {
        const x = new X509Certificate(live.certPem);
        byFingerprint.set(x.fingerprint256, name);
        certs.push({ lineage: name, x509: x });
      } catch {
        /* a broken lineage is check store's business */
      }
    }
  }
  const forName = (n: string) => certs.find((c) => c.x509.checkHost(n) !== undefined)?.lineage ?? null;
  return { byFingerprint, forName };
}

async function localJobs(o: AuditOptions): Promise<PortJob[]> {
  const [sockets, owners] = await Promise.all([listeningSockets(o.procRoot), socketOwners(o.procRoot)]);
  return sockets
    .filter((s) => !o.ports || o.ports.includes(s.port))
    .map((s) => {
      const owner = owners.get(s.inode);
      return {
        transport: s.transport,
        address: s.address,
        probeAddress: probeAddressOf(s),
        port: s.port,
        scope: s.scope,
        process: owner,
        origin: originFor(s, o.sites, o.asterisk, owner),
      };
    });
}

async function remoteJobs(o: AuditOptions & { remoteHost: string }): Promise<PortJob[]> {
  let address = o.remoteHost;
  if (!isIP(o.remoteHost)) {
    try {
      address = (await lookup(o.remoteHost)).address;
    } catch (err) {
      // "0 open ports, OK" for a host that does not exist would be a lie
      throw new CertkitError(
        'network',
        `${o.remoteHost} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`,
        'check the name, or give its address',
      );
    }
  }
  const ports = o.ports ?? DEFAULT_REMOTE_PORTS;
  const tcp: PortJob[] = ports.map((port) => ({
    transport: 'tcp',
    address: o.remoteHost,
    probeAddress: address,
    port,
    scope: 'remote',
    origin: { kind: 'unknown' },
  }));
  const udp: PortJob[] = ports
    .filter((p) => p === 5060)
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- TODO(audit): assumes at least one TCP job when port 5060 is asked for; spreading undefined would give a job without host
    .map((port) => ({ ...tcp[0]!, transport: 'udp' as const, port }));
  return [...tcp, ...udp];
}

const severityOrder: Record<Severity, number> = { CRITICAL: 0, WARNING: 1, UNKNOWN: 2, OK: 3 };

export function byUrgency(a: PortReport, b: PortReport): number {
  return (
    severityOrder[a.status] - severityOrder[b.status] ||
    a.port - b.port ||
    a.transport.localeCompare(b.transport)
  );
}

export async function runAudit(o: AuditOptions): Promise<AuditReport> {
  const remote = o.remoteHost;
  const jobs = remote ? await remoteJobs({ ...o, remoteHost: remote }) : await localJobs(o);
  const idx = await storeIndex(o.store);
  const ctx: AnalyzeContext = {
    timeoutMs: o.timeoutMs,
    adminPaths: o.adminPaths,
    lineageByFingerprint: idx.byFingerprint,
    lineageForName: idx.forName,
    check: { ...o.check, store: o.store },
    sites: o.sites,
  };
  let ports = await pool(jobs, o.concurrency, (j) => analyzePort(j, ctx));
  // remote: a port nobody answered on is not a finding, it is closed; UDP without a SIP answer is unknowable
  if (remote)
    ports = ports.filter((p) => p.speaks !== 'closed' && !(p.transport === 'udp' && p.speaks === 'unknown'));
  else ports = ports.filter((p) => p.speaks !== 'closed' || p.transport === 'udp');
  ports.sort(byUrgency);
  const counts: Record<Severity, number> = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 };
  for (const p of ports) counts[p.status]++;
  const status = worst(ports.map((p) => p.status));
  return {
    schemaVersion: 1,
    generatedAt: o.now.toISOString(),
    host: remote ?? hostname(),
    mode: remote ? 'remote' : 'local',
    status,
    exitCode: EXIT_FOR[status],
    counts,
    ports,
  };
}
