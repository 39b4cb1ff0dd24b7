/* eslint-disable @typescript-eslint/no-non-null-assertion -- indexes are loop variables within 0..path.length-1, and a path always holds at least its leaf */
/**
 * RFC 5280 §6.1 over one built path (leaf first, anchor last when `anchored`): every certificate's own
 * rules, then the rules between them — path length, name constraints (each CA's own, so a sub-CA can
 * only narrow), the peer names, revocation from the CRLs at hand, and whether the path reaches an anchor.
 */
import type { CertInfo } from './cert.js';
import { describe, describeName } from './cert.js';
import { certProblems, wholeSeconds, type Role } from './cert-checks.js';
import { crlVerdict, type Crl } from './crl.js';
import { sanCovers, type PeerName } from './hostname.js';
import { ConstraintBudgetExceeded, constrainedNames, refusedName } from './name-constraints.js';
import type { Limits, Problem, Purpose } from './types.js';

export interface PathContext {
  at: Date;
  purpose: Purpose;
  names: PeerName[];
  limits: Limits;
  crls: Crl[];
  /** per certificate id: why candidate issuers with the right name were refused while building */
  refusals: Map<string, string[]>;
  isSelfSigned: (c: CertInfo) => boolean;
  /** an anchor the user added by hand (not from a public store) */
  privateAnchor: (c: CertInfo) => boolean;
}

/** The same intermediates and roots recur in every chain of a run: judge each once per role, purpose and second. */
const caVerdicts = new WeakMap<CertInfo, Map<string, Problem[]>>();

function caProblemsOnce(c: CertInfo, role: Role, ctx: PathContext): Problem[] {
  if (role === 'leaf') return certProblems(c, role, ctx.at, ctx.purpose);
  const key = `${role}|${ctx.purpose}|${wholeSeconds(ctx.at)}`;
  let byKey = caVerdicts.get(c);
  if (!byKey) caVerdicts.set(c, (byKey = new Map<string, Problem[]>()));
  let known = byKey.get(key);
  if (!known) byKey.set(key, (known = certProblems(c, role, ctx.at, ctx.purpose)));
  return known;
}

function nonSelfIssued(certs: CertInfo[]): number {
  return certs.filter((c) => !c.selfIssued).length;
}

function constraintProblems(path: CertInfo[], limits: Limits): Problem[] {
  const out: Problem[] = [];
  const budget = { left: limits.maxConstraintChecks };
  try {
    for (let k = 1; k < path.length; k++) {
      const nc = path[k]!.nameConstraints;
      if (!nc) continue;
      for (let j = 0; j < k; j++) {
        if (j > 0 && path[j]!.selfIssued) continue;
        const refused = refusedName(constrainedNames(path[j]!), nc, budget);
        if (refused)
          out.push({
            id: 'name-constraints',
            at: j,
            message: `"${describe(path[k]!)}" may not issue for ${refused}`,
          });
      }
    }
  } catch (err) {
    if (!(err instanceof ConstraintBudgetExceeded)) throw err;
    out.push({ id: 'name-constraints', message: `name constraints not checked: ${err.message}` });
  }
  return out;
}

function nameProblems(leaf: CertInfo, names: PeerName[]): Problem[] {
  const out: Problem[] = [];
  for (const n of names) {
    if (sanCovers(leaf.san?.names, n)) continue;
    out.push({
      id: 'hostname-mismatch',
      at: 0,
      message: leaf.san
        ? `the certificate does not cover ${n.value} (it names ${leaf.san.names.map((s) => s.value).join(', ')})`
        : `the certificate has no subjectAltName, so it covers no name (${n.value}); the CN is not used`,
    });
  }
  return out;
}

export function evaluatePath(path: CertInfo[], anchored: boolean, ctx: PathContext): Problem[] {
  const problems: Problem[] = [];
  const n = path.length;
  path.forEach((c, i) => {
    const role: Role =
      i === 0
        ? 'leaf'
        : anchored && i === n - 1
          ? ctx.privateAnchor(c)
            ? 'private-anchor'
            : 'anchor'
          : 'intermediate';
    for (const p of caProblemsOnce(c, role, ctx)) problems.push({ ...p, at: i });
  });
  for (let k = 1; k < n; k++) {
    const pathLen = path[k]!.basicConstraints?.pathLen;
    if (pathLen === undefined) continue;
    const below = nonSelfIssued(path.slice(1, k));
    if (below > pathLen)
      problems.push({
        id: 'path-length',
        at: k,
        message: `"${describe(path[k]!)}" allows ${pathLen} CA(s) below it, the path has ${below}`,
      });
  }
  const intermediates = nonSelfIssued(path.slice(1, anchored ? n - 1 : n));
  if (intermediates > ctx.limits.maxIntermediates)
    problems.push({
      id: 'path-too-long',
      message: `${intermediates} intermediate CAs (at most ${ctx.limits.maxIntermediates})`,
    });
  problems.push(...constraintProblems(path, ctx.limits));
  problems.push(...nameProblems(path[0]!, ctx.names));
  for (let i = 0; i + 1 < n; i++) {
    const v = crlVerdict(path[i]!, path[i + 1]!, ctx.crls, ctx.at);
    if (v?.status === 'revoked')
      problems.push({ id: 'revoked', at: i, message: `"${describe(path[i]!)}" is revoked (CRL)` });
    else if (v?.status === 'unknown')
      problems.push({ id: 'revocation-unknown', at: i, message: `CRL not usable: ${v.why}` });
  }
  if (!anchored) {
    const last = path[n - 1]!;
    if (ctx.isSelfSigned(last))
      problems.unshift({
        id: 'untrusted',
        at: n - 1,
        message:
          n === 1
            ? 'self-signed certificate, not a trust anchor'
            : `the root "${describe(last)}" is not a trust anchor`,
      });
    else {
      const refused = [...new Set(ctx.refusals.get(last.id) ?? [])];
      problems.unshift(
        refused.length > 0
          ? {
              id: 'bad-signature',
              at: n - 1,
              message: `no issuer of "${describe(last)}" verifies its signature: ${refused.join('; ')}`,
            }
          : {
              id: 'incomplete-chain',
              at: n - 1,
              message: `the chain stops at "${describe(last)}": its issuer "${describeName(last.issuerAttrs)}" is neither among the given certificates nor a trust anchor`,
            },
      );
    }
  }
  return problems;
}
