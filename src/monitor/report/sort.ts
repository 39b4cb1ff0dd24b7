import { SEVERITY_RANK, type TargetResult } from '../types.js';

/** Most urgent first: severity, then the soonest expiry. */
export function byUrgency(a: TargetResult, b: TargetResult): number {
  const s = SEVERITY_RANK[b.status] - SEVERITY_RANK[a.status];
  if (s) return s;
  return (a.daysLeft ?? Infinity) - (b.daysLeft ?? Infinity);
}
