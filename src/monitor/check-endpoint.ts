/**
 * An endpoint target (host:port) expanded into units: one per address the host resolves to (or the pinned
 * one), each probing TLS (STARTTLS where the target says), judging the served chain for the host name, and
 * warning when it differs from the store's live certificate for that name (renewed but not reloaded).
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { ParsedCertificate } from '../pki/types.js';
import type { Store } from '../store/store.js';
import type { Target } from './targets.js';
import { resolveAll } from './resolve.js';
import { probeTls } from './tls-probe.js';
import type { Finding } from './types.js';
import { judge, revocation } from './check-judge.js';
import { failedUnit, result, type CheckOptions, type Unit } from './check-unit.js';

/** The live certificates of the store, read once per run (not once per endpoint and address). */
export async function liveCertificates(store: Store | null): Promise<X509Certificate[]> {
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

export async function endpointUnits(
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
