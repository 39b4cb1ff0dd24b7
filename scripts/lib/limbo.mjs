// x509-limbo test cases (test/fixtures/x509-limbo) turned into inputs for a validator. Shared by
// `npm run conformance` (scripts/conformance.mjs) and the vitest conformance test.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LIMBO_FILE = fileURLToPath(
  new URL('../../test/fixtures/x509-limbo/limbo-server.json', import.meta.url),
);

/** The SERVER test cases. */
export function loadServerCases(file = LIMBO_FILE) {
  return JSON.parse(readFileSync(file, 'utf8')).testcases.filter((t) => t.validation_kind === 'SERVER');
}

export function pemToDer(pem) {
  const b64 = pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}

/** The group a case belongs to, for the must-not-accept check: nc, ca-bit, pathlen, eku, critical-ext, expired-anchor. */
export function strictGroup(tc) {
  const id = tc.id;
  if (/::nc::|nc-dos|cve-2025-61727/.test(id)) return 'name-constraints';
  if (
    /ca-without-ca-bit|missing-basic-constraints|non-critical-basic-constraints|inconsistent-ca|ku-keycertsign|ee-basicconstraints-ca/.test(
      id,
    )
  )
    return 'ca-bit';
  if (/^pathlen::/.test(id)) return 'path-length';
  if (/::eku::/.test(id)) return 'eku';
  if (/unknown-critical-extension|critical-aia|crlnumber-critical/.test(id)) return 'critical-extension';
  if (/validity::expired-root/.test(id)) return 'expired-anchor';
  return null;
}

/** validatePath input for a test case (`at` defaults to `now`). */
export function caseInput(tc, now = new Date()) {
  const names = [tc.expected_peer_name, ...(tc.expected_peer_names ?? [])]
    .filter((n) => n && (n.kind === 'DNS' || n.kind === 'IP'))
    .map((n) => n.value);
  return {
    leaf: pemToDer(tc.peer_certificate),
    intermediates: tc.untrusted_intermediates.map(pemToDer),
    anchors: tc.trusted_certs.map(pemToDer),
    names: [...new Set(names)],
    at: tc.validation_time ? new Date(tc.validation_time) : now,
    purpose: 'server',
    limits: tc.max_chain_depth == null ? {} : { maxIntermediates: tc.max_chain_depth },
    crls: (tc.crls ?? []).map(pemToDer),
  };
}

/** One line per disagreement and the totals, given {id, expected, got}[] verdicts. */
export function score(verdicts) {
  const agree = verdicts.filter((v) => v.got === v.expected).length;
  return { agree, total: verdicts.length, percent: (100 * agree) / verdicts.length };
}
