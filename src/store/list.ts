import { X509Certificate } from 'node:crypto';
import { daysLeft, formatDn, isSelfSigned, notAfterOf, subjectAltNames } from '../pki/facts.js';
import { pendingOrdersOf } from './pending.js';
import type { Store } from './store.js';
import type { LineageSource } from './types.js';

export interface LineageSummary {
  name: string;
  source: LineageSource;
  domains: string[];
  liveVersion: number | null;
  notAfter: string | null;
  daysLeft: number | null;
  issuer: string | null;
  selfSigned: boolean;
  /** for a pending CSR: when it was made, and how many days it has waited */
  pendingSince: string | null;
  pendingDays: number | null;
  /** every CSR still waiting for its certificate (none is ever replaced by a later one) */
  pendingOrders: { id: string; createdAt: string; days: number; names: string[] }[];
  livePath: string | null;
  problem: string | null;
  /** the lineage cannot be used as it is (settings missing/corrupt, not a directory): see problem */
  broken: boolean;
  /** how it renews: automatically, only with someone at a terminal (--manual), or not by certkit */
  renewal: 'unattended' | 'manual' | 'not-acme';
  /** a deploy that failed and that the next renew retries */
  deployPending: { version: number; since: string; error: string } | null;
  /** the live certificate was revoked with certkit revoke */
  revoked: { serial: string; reason: string; at: string } | null;
}

const daysSince = (iso: string, now: Date) => Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000);

export async function summarizeLineage(store: Store, name: string, now: Date): Promise<LineageSummary> {
  const health = await store.health(name);
  const settings = health.settings;
  const orders = pendingOrdersOf(settings);
  const base: LineageSummary = {
    name,
    source: settings?.source ?? 'imported',
    domains: settings?.domains ?? [],
    liveVersion: null,
    notAfter: null,
    daysLeft: null,
    issuer: null,
    selfSigned: settings?.source === 'self-signed',
    pendingSince: orders[0]?.createdAt ?? null,
    pendingDays: null,
    pendingOrders: orders.map((o) => ({
      id: o.id,
      createdAt: o.createdAt,
      days: daysSince(o.createdAt, now),
      names: o.names,
    })),
    livePath: null,
    problem: health.problem,
    broken: health.problem !== null,
    renewal:
      settings?.source !== 'acme' || !settings.acme
        ? 'not-acme'
        : settings.acme.challenge.type === 'manual'
          ? 'manual'
          : 'unattended',
    deployPending: settings?.deployPending ?? null,
    revoked: null,
  };
  if (health.problem && !(await store.isDirectory(store.lineageDir(name)))) return base;
  if (base.pendingSince) {
    base.pendingDays = daysSince(base.pendingSince, now);
  }
  try {
    const live = await store.readLive(name);
    if (live) {
      const x509 = new X509Certificate(live.certPem);
      const notAfter = notAfterOf(x509);
      const sans = subjectAltNames(x509);
      Object.assign(base, {
        liveVersion: live.version,
        notAfter: notAfter.toISOString(),
        daysLeft: daysLeft(notAfter, now),
        issuer: formatDn(x509.issuer),
        // a certificate without SAN keeps the names recorded at import (its CN)
        domains:
          sans.dnsNames.length + sans.ipAddresses.length
            ? [...sans.dnsNames, ...sans.ipAddresses]
            : base.domains,
        selfSigned: base.selfSigned || isSelfSigned(x509),
        livePath: store.liveDir(name),
        revoked: settings?.revoked?.serial === x509.serialNumber ? settings.revoked : null,
      });
    }
  } catch (err) {
    base.problem = `live version unreadable: ${(err as Error).message}`;
  }
  return base;
}

export async function listLineages(store: Store, now = new Date()): Promise<LineageSummary[]> {
  const names = await store.names();
  const health = await Promise.all(names.map((n) => store.health(n)));
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- health has one entry per name (mapped from names)
  const real = names.filter((_, i) => !health[i]!.leftover); // interrupted first requests hold nothing
  return Promise.all(real.map((n) => summarizeLineage(store, n, now)));
}
