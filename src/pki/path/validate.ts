/**
 * validatePath: build every candidate path from the leaf to a trust anchor (depth-first, every candidate
 * issuer including cross-signs; a dead end or a refused path doesn't end the search) and judge each with
 * evaluatePath. The first path with no problem wins; otherwise the best refused one is reported with all
 * its reasons. Work is bounded: candidates per step, signature checks, depth, cycles.
 */
import { describe, type CertInfo } from './cert.js';
import { hasVerdict, verifiesWith } from '../facts.js';
import { certInfo, poolOf, prepareAnchors } from './anchors.js';
import { parseCrl, type Crl } from './crl.js';
import { evaluatePath, type PathContext } from './evaluate-path.js';
import { peerName } from './hostname.js';
import type { Limits, Problem, ValidateInput, ValidationResult } from './types.js';

export const DEFAULT_LIMITS: Limits = {
  maxIntermediates: 8,
  maxCandidates: 16,
  maxSignatureChecks: 256,
  maxConstraintChecks: 65_536,
};

interface Outcome {
  path: CertInfo[];
  anchored: boolean;
  problems: Problem[];
}

function better(a: Outcome, b: Outcome | null): boolean {
  if (!b) return true;
  if (a.anchored !== b.anchored) return a.anchored;
  if (a.problems.length !== b.problems.length) return a.problems.length < b.problems.length;
  return a.path.length > b.path.length;
}

function parseCrls(list: Uint8Array[] | undefined): Crl[] {
  const out: Crl[] = [];
  for (const der of list ?? []) {
    try {
      out.push(parseCrl(der));
    } catch {
      /* an unreadable CRL can't revoke anything; it is simply not used */
    }
  }
  return out;
}

export function validatePath(input: ValidateInput): ValidationResult {
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  let leaf: CertInfo;
  try {
    leaf = certInfo(input.leaf);
  } catch (err) {
    return {
      path: [],
      trusted: false,
      anchored: false,
      selfSigned: false,
      signatureChecks: 0,
      problems: [{ id: 'malformed', message: `not a readable certificate: ${(err as Error).message}` }],
    };
  }
  const anchors = prepareAnchors(input.anchors);
  const pool = poolOf(input.intermediates ?? []);
  let signatureChecks = 0;
  let exhausted = false;
  const signedBy = (child: CertInfo, parent: CertInfo): boolean => {
    if (!child.x509 || !parent.x509) return false;
    if (!hasVerdict(child.x509, parent.x509)) signatureChecks++;
    return verifiesWith(child.x509, parent.x509);
  };
  const selfSignedCache = new Map<string, boolean>();
  const isSelfSigned = (c: CertInfo) => {
    if (!c.selfIssued) return false;
    if (!selfSignedCache.has(c.id)) selfSignedCache.set(c.id, signedBy(c, c));
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- set on the line above when missing
    return selfSignedCache.get(c.id)!;
  };
  const ctx: PathContext = {
    at: input.at,
    purpose: input.purpose ?? 'server',
    names: (input.names ?? []).map(peerName),
    limits,
    crls: parseCrls(input.crls),
    refusals: new Map(),
    isSelfSigned,
    privateAnchor: (c) => anchors.isPrivate(c.id),
  };
  let best: Outcome | null = null;
  const consider = (path: CertInfo[], anchored: boolean): boolean => {
    const o = { path, anchored, problems: evaluatePath(path, anchored, ctx) };
    if (better(o, best)) best = o;
    return anchored && o.problems.length === 0;
  };

  const extend = (path: CertInfo[]): boolean => {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a path being extended always holds at least its leaf
    const tail = path[path.length - 1]!;
    const inPath = new Set(path.map((c) => c.id));
    const aki = tail.aki?.keyId;
    const candidates = [...anchors.withSubject(tail.issuerKey), ...(pool.get(tail.issuerKey) ?? [])]
      .filter((c, i, all) => !inPath.has(c.id) && all.findIndex((o) => o.id === c.id) === i)
      .map((c, order) => ({ c, order, keyMatch: !aki || !c.ski || c.ski.id === aki }))
      .sort((a, b) => Number(b.keyMatch) - Number(a.keyMatch) || a.order - b.order)
      .slice(0, limits.maxCandidates);
    let extended = false;
    for (const { c } of candidates) {
      if (signatureChecks >= limits.maxSignatureChecks) {
        exhausted = true;
        break;
      }
      if (!signedBy(tail, c)) {
        const list = ctx.refusals.get(tail.id) ?? [];
        list.push(`"${describe(c)}" has the issuer's name but its key did not sign this certificate`);
        ctx.refusals.set(tail.id, list);
        continue;
      }
      extended = true;
      const next = [...path, c];
      if (anchors.has(c.id)) {
        if (consider(next, true)) return true;
        continue;
      }
      if (next.length - 1 > limits.maxIntermediates * 2 + 2) {
        consider(next, false);
        continue;
      }
      if (extend(next)) return true;
    }
    if (!extended) consider(path, false);
    return false;
  };

  const done = (anchors.has(leaf.id) && consider([leaf], true)) || extend([leaf]);
  const outcome = best as Outcome | null;
  const problems = outcome?.problems ?? [];
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set inside extend(), which flow analysis does not follow
  if (!done && exhausted)
    problems.push({
      id: 'search-limit',
      message: `path building stopped after ${signatureChecks} signature checks (limit ${limits.maxSignatureChecks})`,
    });
  return {
    path: outcome?.path ?? [leaf],
    trusted: done && problems.length === 0,
    anchored: outcome?.anchored ?? false,
    problems,
    selfSigned: isSelfSigned(leaf),
    signatureChecks,
  };
}
