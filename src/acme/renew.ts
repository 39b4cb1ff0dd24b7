/**
 * `certkit renew`: every ACME lineage that is due (ARI window when the CA offers one, else a fraction of the
 * lifetime), concurrently with a bound, one lineage lock each so overlapping cron runs never double-renew.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { CertkitError, systemError, type ErrorKind } from '../errors.js';
import type { DeployDebt } from '../store/types.js';
import { deployVersion } from './deploy.js';
import type { Store } from '../store/store.js';
import { withLock } from '../store/lock.js';
import { ariCertId } from './ari.js';
import { AcmeClient, DEFAULT_DEADLINES, type Deadlines } from './client.js';
import type { AcmeLineageSettings } from './lineage-settings.js';
import { obtainForLineage, type ObtainResult } from './obtain.js';
import { decideRenewal, type DueDecision } from './policy.js';
import { loadAccount } from './account.js';
import type { SolverIo } from './solvers/index.js';

export interface RenewOptions {
  name?: string;
  force?: boolean;
  dryRun?: boolean;
  now?: Date;
  concurrency?: number;
  deadlines?: Deadlines;
  io: SolverIo;
  onStep?: (lineage: string, message: string) => void;
  /** the recorded installers: run after a new version is live and the deploy hook ran */
  afterRenew?: (lineage: string) => Promise<void>;
}

export interface RenewOutcome {
  name: string;
  status: 'renewed' | 'not-due' | 'would-renew' | 'deployed' | 'would-deploy' | 'failed';
  dueAt: string | null;
  reason: string;
  version?: number;
  notAfter?: string;
  error?: string;
  /** the kind of the failure (locked, network, ca...), for the exit code */
  kind?: ErrorKind;
}

async function decide(
  store: Store,
  name: string,
  a: AcmeLineageSettings,
  now: Date,
  force: boolean,
  deadlines: Deadlines,
): Promise<DueDecision> {
  const live = await store.readLive(name);
  if (!live) return { due: true, dueAt: now, reason: 'no live version yet' };
  const cert = new X509Certificate(live.certPem);
  const revoked = (await store.readSettings(name))?.revoked;
  if (revoked && revoked.serial === cert.serialNumber)
    return {
      due: true,
      dueAt: now,
      reason: `the live certificate was revoked (${revoked.reason}, ${revoked.at})`,
    };
  let ari = null;
  if (!force) {
    const account = await loadAccount(store.root, a.directoryUrl);
    if (account) {
      const client = new AcmeClient({
        directoryUrl: a.directoryUrl,
        accountKeyPem: account.keyPem,
        accountUrl: account.record.url,
        deadlines,
      });
      // ARI is advisory: a CA that fails or does not answer in time leaves the lifetime rule
      const dir = await client.directory().catch(() => null);
      const certId = dir?.renewalInfo ? ariCertId(live.certPem) : null;
      if (certId) ari = await client.renewalInfo(certId).catch(() => null);
    }
  }
  const seed = parseInt(cert.fingerprint256.replace(/:/g, '').slice(0, 6), 16);
  return decideRenewal({
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    now,
    ari,
    seed,
    force,
  });
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < items.length (loop condition)
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

export async function renewAll(store: Store, opts: RenewOptions): Promise<RenewOutcome[]> {
  const now = opts.now ?? new Date();
  const deadlines = opts.deadlines ?? DEFAULT_DEADLINES;
  const names = opts.name ? [opts.name] : await store.names();
  const broken: RenewOutcome[] = [];
  const candidates: { name: string; acme: AcmeLineageSettings; debt?: DeployDebt }[] = [];
  for (const name of names) {
    if (opts.name && !(await store.lineageExists(name))) throw await store.lineageNotFound(name);
    const h = await store.health(name);
    if (h.leftover && !opts.name) continue; // an interrupted first request: no certificate, nothing to renew
    if (!h.settings || h.problem) {
      // never skipped silently: a lineage certkit cannot read is a failure naming it
      broken.push({
        name,
        status: 'failed',
        dueAt: null,
        reason: 'broken',
        error: `lineage "${name}" is broken: ${h.problem}`,
        kind: 'input',
      });
      continue;
    }
    const s = h.settings;
    if (s.source !== 'acme' || !s.acme) {
      if (opts.name)
        throw new CertkitError(
          'usage',
          `lineage "${name}" was not obtained over ACME (${s.source}), so certkit cannot renew it`,
          'import its new certificate with certkit import',
        );
      continue;
    }
    candidates.push({ name, acme: s.acme, debt: s.deployPending });
  }
  const deploy = (name: string, version: number) =>
    deployVersion(store, name, version, {
      installers: opts.afterRenew,
      onStep: (m) => opts.onStep?.(name, m),
      now: () => now,
    });
  const outcomes = await pool(candidates, opts.concurrency ?? 4, async (c): Promise<RenewOutcome> => {
    let renewedTo: number | null = null;
    try {
      const d = await decide(store, c.name, c.acme, now, !!opts.force, deadlines);
      const dueAt = d.dueAt.toISOString();
      if (!d.due && c.debt) {
        const reason = `retrying the deploy of version ${c.debt.version} that failed (${c.debt.error})`;
        if (opts.dryRun) return { name: c.name, status: 'would-deploy', dueAt, reason };
        await deploy(c.name, c.debt.version);
        return { name: c.name, status: 'deployed', dueAt, reason, version: c.debt.version };
      }
      if (!d.due) return { name: c.name, status: 'not-due', dueAt, reason: d.reason };
      if (opts.dryRun) return { name: c.name, status: 'would-renew', dueAt, reason: d.reason };
      const result: ObtainResult = await withLock(
        join(store.lineageDir(c.name), '.renew.lock'),
        () =>
          obtainForLineage(store, {
            lineage: c.name,
            acme: c.acme,
            register: { agreeTos: true, email: c.acme.email, deadlines },
            io: opts.io,
            onStep: (m) => opts.onStep?.(c.name, m),
          }),
        { waitMs: 0, what: `renewing "${c.name}"` },
      );
      renewedTo = result.version;
      await deploy(c.name, result.version);
      return {
        name: c.name,
        status: 'renewed',
        dueAt,
        reason: [d.reason, ...result.notes].join('; '),
        version: result.version,
        notAfter: result.notAfter,
      };
    } catch (err) {
      const sys = systemError(err);
      const e = sys ?? err;
      // the hint says what to do: the one line of a failed lineage keeps it, as every other error line does
      const message =
        e instanceof CertkitError && e.hint
          ? `${e.message} (${e.hint})`
          : e instanceof Error
            ? e.message
            : String(e);
      return {
        name: c.name,
        status: 'failed',
        dueAt: null,
        reason: 'error',
        error:
          renewedTo !== null
            ? `renewed to version ${renewedTo}, but the deploy failed: ${message} (the next renew retries it)`
            : message,
        kind: e instanceof CertkitError ? e.kind : 'internal',
        version: renewedTo ?? undefined,
      };
    }
  });
  return [...broken, ...outcomes];
}

/**
 * The exit code of a renew run: 0 when nothing failed; when every failure is a lock held by another run (4)
 * a network/timeout failure (6), or the environment (8: full disk, read-only or unreadable store), that code;
 * any other mix is 1 (each failure is named on stderr).
 */
export function renewExitCode(outcomes: RenewOutcome[]): number {
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length === 0) return 0;
  if (failed.every((o) => o.kind === 'locked')) return 4;
  if (failed.every((o) => o.kind === 'network')) return 6;
  if (failed.every((o) => o.kind === 'environment')) return 8;
  return 1;
}
