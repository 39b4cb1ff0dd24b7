/**
 * Everything the audit learns about one port within its deadline: what it speaks, its certificate (and which
 * lineage serves it), what `check` says of it, TLS posture, and for Apache's HTTP sites the redirect and
 * admin-path answers per name.
 */
import { X509Certificate } from 'node:crypto';
import { runCheck, type CheckOptions } from '../monitor/check.js';
import { worst } from '../monitor/evaluate.js';
import { subjectAltNames } from '../pki/facts.js';
import { exposureFindings, type PortFacts } from './findings.js';
import { httpGet, httpGetFollowing } from './http-get.js';
import { identifyTcp, identifyUdp } from './identify.js';
import { describeOrigin, type ApacheSite, type Origin } from './origins.js';
import type { BindScope, Transport } from './sockets.js';
import { tlsPosture } from './tls-posture.js';
import type { AuditFinding, PortCertificate, PortReport } from './types.js';

export interface PortJob {
  transport: Transport;
  /** the address as bound (or the remote host) */
  address: string;
  /** where to connect to reach it */
  probeAddress: string;
  port: number;
  scope: BindScope | 'remote';
  process?: { pid: number; name: string };
  origin: Origin;
}

export interface AnalyzeContext {
  timeoutMs: number;
  adminPaths: string[];
  /** live certificate fingerprint (sha-256, colon hex) -> lineage */
  lineageByFingerprint: Map<string, string>;
  /** lineage names covering a DNS name */
  lineageForName: (name: string) => string | null;
  check: Omit<CheckOptions, 'timeoutMs' | 'concurrency' | 'pinIp'>;
  /** Apache sites (all of them): to know which names have an HTTPS twin */
  sites: ApacheSite[];
}

const concreteNames = (names: string[]) => names.filter((n) => !/[*?]/.test(n)).slice(0, 8);

function certificateOf(der: Buffer, ctx: AnalyzeContext): PortCertificate {
  const x = new X509Certificate(der);
  const san = subjectAltNames(x);
  return {
    fingerprint256: x.fingerprint256,
    subject: x.subject.split('\n').join(', '),
    issuer: x.issuer.split('\n').join(', '),
    names: [...san.dnsNames, ...san.ipAddresses],
    notAfter: new Date(x.validTo).toISOString(),
    lineage: ctx.lineageByFingerprint.get(x.fingerprint256) ?? null,
  };
}

async function checkFindings(
  job: PortJob,
  names: string[],
  ctx: AnalyzeContext,
  timeoutMs: number,
): Promise<AuditFinding[]> {
  const hosts = names.length ? names : [job.probeAddress];
  const out: AuditFinding[] = [];
  for (const host of hosts) {
    const report = await runCheck(
      [{ kind: 'endpoint', host, port: job.port, label: `${host}:${job.port}` }],
      { ...ctx.check, timeoutMs, concurrency: 1, pinIp: job.probeAddress },
    );
    for (const t of report.targets)
      for (const f of t.findings) {
        // without a configured name, the address is not a name anyone asked the certificate to cover
        if (!names.length && f.id === 'hostname-mismatch') continue;
        const message = names.length > 1 ? `${host}: ${f.message}` : f.message;
        if (!out.some((o) => o.id === f.id && o.message === message))
          out.push({ id: f.id, severity: f.severity, message });
      }
  }
  return out;
}

export async function analyzePort(job: PortJob, ctx: AnalyzeContext): Promise<PortReport> {
  const end = Date.now() + ctx.timeoutMs;
  const left = () => Math.max(100, end - Date.now());
  const apacheSites = job.origin.kind === 'apache' ? job.origin.sites : [];
  const sslNames = concreteNames(apacheSites.filter((s) => s.ssl).flatMap((s) => s.names));
  const identity =
    job.transport === 'udp'
      ? await identifyUdp(job.probeAddress, job.port, Math.min(left(), 1500))
      : await identifyTcp(job.probeAddress, job.port, Math.floor(ctx.timeoutMs * 0.6), sslNames[0]);
  const facts: PortFacts = { scope: job.scope, port: job.port, identity, origin: job.origin };
  const report: PortReport = {
    transport: job.transport,
    address: job.address,
    port: job.port,
    scope: job.scope,
    process: job.process,
    speaks: identity.speaks,
    starttls: identity.starttls,
    banner: identity.banner,
    origin: describeOrigin(job.origin),
    originKind: job.origin.kind,
    vhosts: apacheSites.length
      ? apacheSites.map((s) => ({ file: s.file, line: s.line, names: s.names }))
      : undefined,
    asteriskPart: job.origin.kind === 'asterisk' ? job.origin.listener.part : undefined,
    status: 'OK',
    findings: [],
  };
  let findings: AuditFinding[] = [];
  const tlsFor = identity.speaks === 'tls';
  if (tlsFor && identity.tls?.certs[0]) {
    const cert = certificateOf(identity.tls.certs[0], ctx);
    report.certificate = cert;
    report.tlsProtocol = identity.tls.protocol;
    facts.lineage = cert.lineage;
    facts.certNames = cert.names.filter((n) => !n.startsWith('*.')).slice(0, 4);
    const [posture, checked] = await Promise.all([
      tlsPosture(job.probeAddress, job.port, sslNames[0], Math.min(left(), 3000)),
      checkFindings(job, sslNames, ctx, Math.min(left(), 5000)),
    ]);
    facts.posture = posture;
    findings.push(...checked);
  }
  if ((identity.speaks === 'http' || tlsFor) && job.transport === 'tcp') {
    const sitesHere = apacheSites.filter((s) => s.ssl === tlsFor);
    const targets = sitesHere.length
      ? sitesHere.flatMap((s) =>
          concreteNames(s.names)
            .slice(0, 3)
            .map((name) => ({ name, site: s })),
        )
      : [{ name: job.probeAddress, site: undefined as ApacheSite | undefined }];
    const probes: Promise<void>[] = [];
    facts.admin = [];
    facts.redirects = [];
    for (const { name, site } of targets) {
      const opts = (path: string) => ({
        address: job.probeAddress,
        port: job.port,
        tls: tlsFor,
        hostName: name,
        path,
        timeoutMs: Math.min(left(), 3000),
      });
      const get = (path: string) => httpGet(opts(path));
      const getFollowing = (path: string) => httpGetFollowing(opts(path));
      if (!tlsFor && site) {
        const hasTlsTwin = ctx.sites.some((s) => s.ssl && s.names.includes(name));
        probes.push(
          get('/').then((r) => {
            if (r)
              facts.redirects?.push({
                name,
                status: r.status,
                location: r.location,
                hasTlsTwin,
                lineage: ctx.lineageForName(name),
              });
          }),
        );
      }
      const paths = new Set([...ctx.adminPaths, ...(site?.adminPaths ?? [])]);
      for (const path of paths)
        probes.push(
          getFollowing(path).then((r) => {
            if (r)
              facts.admin?.push({
                path,
                status: r.status,
                authRequired: r.authRequired,
                name,
                lineage: ctx.lineageForName(name),
              });
          }),
        );
    }
    await Promise.all(probes);
    report.httpAnswers = [
      ...facts.redirects.map((r) => ({
        name: r.name,
        path: '/',
        status: r.status,
        location: r.location,
        authRequired: r.status === 401,
      })),
      ...facts.admin.map((a) => ({
        name: a.name,
        path: a.path,
        status: a.status,
        authRequired: a.authRequired,
      })),
    ];
  }
  findings = [...exposureFindings(facts), ...findings];
  report.findings = findings;
  report.status = worst(findings.map((f) => f.severity));
  return report;
}
