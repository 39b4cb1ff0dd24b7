/**
 * The report of `certkit verify` (and the library's verifyCertificate): the validator's verdict in the
 * stable JSON shape of docs/trust.md. Pure: certificates, anchors and the time come in.
 */
import { createHash } from 'node:crypto';
import { describe, describeName, type CertInfo } from './path/cert.js';
import type { Problem, ValidateInput, ValidationResult } from './path/types.js';
import { validatePath } from './path/validate.js';

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
  const problems = [...r.problems, ...extra];
  return {
    schemaVersion: 1,
    valid: r.trusted && extra.length === 0,
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
  };
}

export function verifyCertificate(input: ValidateInput): VerifyReport {
  return toVerifyReport(input, validatePath(input));
}
