/**
 * Concurrency and deadlines of a check run: a bounded pool that keeps results in input order, and one unit
 * run with a hard deadline (network units only), whatever goes wrong becoming a finding of that unit alone.
 */
import type { TargetResult } from './types.js';
import { failed, readFailure, type CheckOptions, type Unit, type UnitResult } from './check-unit.js';

/** Runs `fn` over the items, at most `limit` at a time; results in the order of the items. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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

/** Runs one unit with a hard deadline; whatever goes wrong becomes a finding of that unit alone. */
export async function runUnit(u: Unit, o: CheckOptions): Promise<TargetResult | null> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let r: UnitResult | null;
  const timedOut = (): UnitResult => {
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
            new Promise<UnitResult>((resolve) => {
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
