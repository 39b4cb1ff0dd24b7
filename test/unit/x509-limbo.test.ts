/**
 * The path validator on the x509-limbo SERVER cases (test/fixtures/x509-limbo): at least 95% agreement with
 * the expected verdicts, and no accepted chain in the groups where accepting is a security hole. The
 * per-case list and the openssl / Node comparison: `npm run conformance` (docs/trust.md).
 */
import { describe, expect, it } from 'vitest';
import { validatePath } from '../../src/pki/path/index.js';
// @ts-expect-error: plain ESM module without types
import { caseInput, loadServerCases, strictGroup } from '../../scripts/lib/limbo.mjs';

interface LimboCase {
  id: string;
  expected_result: 'SUCCESS' | 'FAILURE';
}
const cases = loadServerCases() as LimboCase[];
const verdicts = cases.map((tc) => {
  const started = performance.now();
  const r = validatePath(caseInput(tc));
  return {
    id: tc.id,
    expected: tc.expected_result,
    got: r.trusted ? 'SUCCESS' : 'FAILURE',
    group: strictGroup(tc) as string | null,
    ms: performance.now() - started,
    signatureChecks: r.signatureChecks,
  };
});

describe('x509-limbo SERVER cases', () => {
  it('has all 198 server cases from the fixture', () => {
    expect(cases.length).toBe(198);
  });

  it('agrees with the expected verdict on at least 95%', () => {
    const agree = verdicts.filter((v) => v.got === v.expected).length;
    const disagreements = verdicts
      .filter((v) => v.got !== v.expected)
      .map((v) => `${v.id} (expected ${v.expected})`);
    expect(agree / cases.length, disagreements.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('accepts no chain in the name-constraint, cA-bit, path-length, EKU, critical-extension and expired-anchor groups', () => {
    const groups = [
      'name-constraints',
      'ca-bit',
      'path-length',
      'eku',
      'critical-extension',
      'expired-anchor',
    ];
    for (const g of groups)
      expect(verdicts.filter((v) => v.group === g && v.expected === 'FAILURE').length).toBeGreaterThan(0);
    const accepted = verdicts
      .filter((v) => v.group && v.expected === 'FAILURE' && v.got === 'SUCCESS')
      .map((v) => v.id);
    expect(accepted).toEqual([]);
  });

  it('bounds the work on pathological inputs (cycles, 100 look-alike intermediates, constraint blow-up)', () => {
    for (const v of verdicts.filter((x) => x.id.startsWith('pathological::'))) {
      expect(v.got, v.id).toBe(v.expected);
      expect(v.signatureChecks, v.id).toBeLessThanOrEqual(256);
      expect(v.ms, v.id).toBeLessThan(2000);
    }
  });

  it('finds the valid path through a cross-signing cycle (CVE-2024-0567) and past an expired intermediate', () => {
    const byId = new Map(verdicts.map((v) => [v.id, v.got]));
    expect(byId.get('cve::cve-2024-0567')).toBe('SUCCESS');
    expect(byId.get('pathological::multiple-chains-expired-intermediate')).toBe('SUCCESS');
  });
});
