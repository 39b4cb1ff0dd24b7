/**
 * How long to wait before re-reading an authorization or order (pure). The CA's Retry-After (seconds or an
 * HTTP date, RFC 8555 §7.5.1 / §7.4) wins, bounded to [MIN_PAUSE_MS, MAX_RETRY_AFTER_MS]; without one, a short
 * first pause that doubles up to MAX_BACKOFF_MS: a CA that validates in milliseconds (a local one, or a busy
 * one that is quick) is not kept waiting, and a slow one is read a handful of times a minute.
 */
export const FIRST_PAUSE_MS = 40;
export const MAX_BACKOFF_MS = 3000;
const MIN_PAUSE_MS = 40;
const MAX_RETRY_AFTER_MS = 60_000;

export function retryAfterMs(retryAfter: string | null | undefined, now: Date): number | null {
  if (!retryAfter) return null;
  const text = retryAfter.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now.getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** The pause before the next read, and the backoff to carry to the one after. */
export function nextPollPause(
  backoffMs: number,
  retryAfter: string | null | undefined,
  now: Date,
): { pauseMs: number; nextBackoffMs: number } {
  const nextBackoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  const asked = retryAfterMs(retryAfter, now);
  if (asked === null) return { pauseMs: backoffMs, nextBackoffMs };
  return { pauseMs: Math.min(Math.max(asked, MIN_PAUSE_MS), MAX_RETRY_AFTER_MS), nextBackoffMs };
}
