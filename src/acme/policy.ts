/**
 * When is a certificate due for renewal? Pure: everything, including "now", comes in as parameters.
 * ARI (RFC 9773) wins when the CA offers a window; else two thirds of the lifetime (half for short-lived
 * certificates under 10 days), the same rule Let's Encrypt recommends without ARI.
 */
export interface RenewalWindow {
  start: Date;
  end: Date;
}

export interface DueDecision {
  due: boolean;
  /** when it becomes (or became) due */
  dueAt: Date;
  reason: string;
}

const DAY = 86_400_000;

export function fractionDueAt(notBefore: Date, notAfter: Date): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const fraction = lifetime < 10 * DAY ? 1 / 2 : 2 / 3;
  return new Date(notBefore.getTime() + lifetime * fraction);
}

/** A point inside the ARI window, stable per certificate (seeded), as RFC 9773 §4.2 suggests picking at random. */
export function pointInWindow(w: RenewalWindow, seed: number): Date {
  const span = Math.max(0, w.end.getTime() - w.start.getTime());
  return new Date(w.start.getTime() + Math.floor((span * (seed % 1000)) / 1000));
}

export function decideRenewal(p: {
  notBefore: Date;
  notAfter: Date;
  now: Date;
  ari?: RenewalWindow | null;
  seed?: number;
  force?: boolean;
}): DueDecision {
  if (p.force) return { due: true, dueAt: p.now, reason: 'forced' };
  if (p.ari) {
    const at = pointInWindow(p.ari, p.seed ?? 0);
    return {
      due: p.now >= at,
      dueAt: at,
      reason: `ARI window ${p.ari.start.toISOString()} – ${p.ari.end.toISOString()}`,
    };
  }
  const at = fractionDueAt(p.notBefore, p.notAfter);
  const short = p.notAfter.getTime() - p.notBefore.getTime() < 10 * DAY;
  return {
    due: p.now >= at,
    dueAt: at,
    reason: short ? 'half of a short lifetime elapsed' : 'two thirds of the lifetime elapsed',
  };
}
