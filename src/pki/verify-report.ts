/**
 * The report of `certkit verify` (and the library's verifyCertificate): the validator's verdict in the
 * stable JSON shape of docs/trust.md. Pure: certificates, anchors and the time come in.
 */
import { createHash } from 'node:crypto';
import { describe, describeName, type CertInfo } from './path/cert.js';
import type { Problem, ValidateInput, ValidationResult } from './path/types.js';
import { validatePath } from './path/validate.js';
import { checkRevocation, type FetchBytes } from './revocation/check.js';

export interface VerifyReport {
  schemaVersion: 1;
  valid: boolean;
  at: string;
  purpose: 'server' | 'client';
  names: string[];
  selfSigned: boolean;
  path: {
    subject: string;
    issuer: string;
    serial: string;
    notBefore: string;
    notAfter: string;
    sha256: string;
    role: 'leaf' | 'intermediate' | 'anchor';
  }[];
  /** true when the path ends at a trust anchor */
  anchored: boolean;
  problems: { id: Problem['id']; message: string; position?: number }[];
  /** what could not be checked but does not make the path invalid (revocation-unknown) */
  warnings: { id: Problem['id']; message: string }[];
}

function fingerprint(c: CertInfo): string {
  return (
    c.x509?.fingerprint256 ??
    createHash('sha256')
      .update(c.der)
      .digest('hex')
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1:')
  );
}

export function toVerifyReport(
  input: ValidateInput,
  r: ValidationResult,
  extra: Problem[] = [],
): VerifyReport {
  const anchored = r.anchored;
  const problems = [...r.problems, ...extra.filter((p) => p.id !== 'revocation-unknown')];
  const warnings = extra.filter((p) => p.id === 'revocation-unknown');
  return {
    schemaVersion: 1,
    valid: r.trusted && problems.length === r.problems.length,
    at: input.at.toISOString(),
    purpose: input.purpose ?? 'server',
    names: input.names ?? [],
    selfSigned: r.selfSigned,
    anchored,
    path: r.path.map((c, i) => ({
      subject: describe(c),
      issuer: describeName(c.issuerAttrs),
      serial: c.serial.toString('hex').toUpperCase(),
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      sha256: fingerprint(c),
      role: i === 0 ? 'leaf' : anchored && i === r.path.length - 1 ? 'anchor' : 'intermediate',
    })),
    problems: problems.map((p) => ({ id: p.id, message: p.message, position: p.at })),
    warnings: warnings.map((p) => ({ id: p.id, message: p.message })),
  };
}

/** Validate, then (when the path is trusted and `revocation` is on) ask OCSP / the CRL about the leaf. */
export async function verifyCertificate(
  input: ValidateInput,
  revocation: { enabled: boolean; fetchBytes?: FetchBytes } = { enabled: false },
): Promise<VerifyReport> {
  const r = validatePath(input);
  const extra =
    revocation.enabled && r.trusted
      ? await checkRevocation(r.path, { at: input.at, fetchBytes: revocation.fetchBytes })
      : [];
  return toVerifyReport(input, r, extra);
}
