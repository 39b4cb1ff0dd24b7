/**
 * `certkit check`: collects facts for every target (files, directories, the store, endpoints on every
 * address) concurrently with a bound and a per-target timeout, then evaluates them into findings.
 *
 * This file is the public entry: it expands targets into units and runs them. Beside it: check-unit.ts
 * (options, units, results, read failures), check-paths.ts and check-file.ts (files and directories),
 * check-store.ts (lineages), check-endpoint.ts (host:port on every address), check-judge.ts (chain
 * evaluation and revocation), check-run.ts (pool and deadlines), check-report.ts (aggregation).
 */
import type { X509Certificate } from 'node:crypto';
import type { Target } from './targets.js';
import type { CheckReport, TargetResult } from './types.js';
import { endpointUnits, liveCertificates } from './check-endpoint.js';
import { pathUnits } from './check-paths.js';
import { assembleReport } from './check-report.js';
import { pool, runUnit } from './check-run.js';
import { storeUnits } from './check-store.js';
import { failedUnit, readFailure, type CheckOptions, type Unit } from './check-unit.js';

export { assembleReport } from './check-report.js';
export { siblingKeyNames } from './check-file.js';
export type { CheckOptions } from './check-unit.js';

/** One target as the units that check it (a directory: one per file; a host: one per address). */
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
      const kind = t.kind === 'store' || t.kind === 'endpoint' ? t.kind : 'file';
      return [failedUnit(label, kind, readFailure(label, err), o)];
    }
  });
  const units = perTarget.flat();
  const results = (await pool(units, o.concurrency, (u) => runUnit(u, o))).filter(
    (r): r is TargetResult => r !== null,
  );
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return assembleReport(results, skipped, o.policy.now);
}
