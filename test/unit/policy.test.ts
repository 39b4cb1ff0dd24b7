import { describe, expect, it } from 'vitest';
import { decideRenewal, fractionDueAt, pointInWindow } from '../../src/acme/policy.js';
import { expiryFinding } from '../../src/monitor/evaluate.js';

const DAY = 86_400_000;
const d = (iso: string) => new Date(iso);

describe('renewal policy (pure, clock injected)', () => {
  it('renews at two thirds of a 90-day lifetime', () => {
    const nb = d('2026-01-01T00:00:00Z');
    const na = new Date(nb.getTime() + 90 * DAY);
    expect(fractionDueAt(nb, na).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(decideRenewal({ notBefore: nb, notAfter: na, now: d('2026-03-01T23:00:00Z') }).due).toBe(false);
    expect(decideRenewal({ notBefore: nb, notAfter: na, now: d('2026-03-02T00:00:00Z') }).due).toBe(true);
  });

  it('renews at half of a lifetime shorter than 10 days (6-day certificates)', () => {
    const nb = d('2026-01-01T00:00:00Z');
    const na = new Date(nb.getTime() + 6 * DAY);
    expect(fractionDueAt(nb, na).getTime()).toBe(nb.getTime() + 3 * DAY);
  });

  it('an ARI window wins over the lifetime rule, at a stable point inside it', () => {
    const nb = d('2026-01-01T00:00:00Z');
    const na = new Date(nb.getTime() + 90 * DAY);
    const ari = { start: d('2026-01-10T00:00:00Z'), end: d('2026-01-11T00:00:00Z') };
    const at = pointInWindow(ari, 500);
    expect(at.getTime()).toBe(ari.start.getTime() + DAY / 2);
    const r = decideRenewal({ notBefore: nb, notAfter: na, now: d('2026-01-10T13:00:00Z'), ari, seed: 500 });
    expect(r.due).toBe(true);
    expect(r.reason).toMatch(/ARI window/);
    expect(
      decideRenewal({ notBefore: nb, notAfter: na, now: d('2026-01-10T11:00:00Z'), ari, seed: 500 }).due,
    ).toBe(false);
    expect(decideRenewal({ notBefore: nb, notAfter: na, now: nb, force: true }).due).toBe(true);
  });
});

describe('expiry thresholds of check', () => {
  const policy = (now: string) => ({
    warnDays: 30,
    critDays: 7,
    strict: false,
    allowSelfSigned: [],
    now: d(now),
  });
  it('days for long certificates: 30 → WARNING, 7 → CRITICAL', () => {
    const nb = d('2026-01-01T00:00:00Z');
    const na = d('2026-12-31T00:00:00Z');
    expect(expiryFinding(nb, na, policy('2026-11-01T00:00:00Z'))).toBeNull();
    expect(expiryFinding(nb, na, policy('2026-12-05T00:00:00Z'))?.severity).toBe('WARNING');
    expect(expiryFinding(nb, na, policy('2026-12-28T00:00:00Z'))?.severity).toBe('CRITICAL');
    expect(expiryFinding(nb, na, policy('2027-01-02T00:00:00Z'))?.id).toBe('expired');
  });
  it('"expired N day(s) ago" counts whole days elapsed (QA: 10.004 days ago was said as 11), hours when recent', () => {
    const nb = d('2026-01-01T00:00:00Z');
    const na = d('2026-12-31T00:00:00Z');
    expect(expiryFinding(nb, na, policy('2027-01-10T00:06:00Z'))?.message).toMatch(
      /^expired 10 day\(s\) ago/,
    );
    expect(expiryFinding(nb, na, policy('2027-01-01T05:00:00Z'))?.message).toMatch(
      /^expired 1 day\(s\) 5 h ago/,
    );
    expect(expiryFinding(nb, na, policy('2026-12-31T03:00:00Z'))?.message).toMatch(
      /^expired 0 day\(s\) 3 h ago/,
    );
  });
  it('a third and a sixth of the lifetime for certificates shorter than 30 days', () => {
    const nb = d('2026-01-01T00:00:00Z');
    const na = new Date(nb.getTime() + 6 * DAY);
    expect(expiryFinding(nb, na, policy('2026-01-04T00:00:00Z'))).toBeNull(); // 3 days left of 6: fine
    expect(expiryFinding(nb, na, policy('2026-01-05T12:00:00Z'))?.severity).toBe('WARNING'); // 1.5 days left
    expect(expiryFinding(nb, na, policy('2026-01-06T12:00:00Z'))?.severity).toBe('CRITICAL'); // 0.5 days left
  });
});
