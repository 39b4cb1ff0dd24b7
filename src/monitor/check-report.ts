/**
 * Aggregation: the targets' results and the skipped paths as one report, its status the worst of the
 * targets' (UNKNOWN when nothing was checked), counts per status and the Nagios exit code.
 */
import { worst } from './evaluate.js';
import { EXIT_FOR, type CheckReport, type Severity, type TargetResult } from './types.js';

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
