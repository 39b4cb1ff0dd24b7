import type { X509Certificate } from 'node:crypto';
import type { CertInfo } from './cert.js';
import type { Crl } from './crl.js';
import type { PeerName } from './hostname.js';

/** Stable ids of the reasons a path is refused (documented in docs/trust.md). */
export type ProblemId =
  | 'expired'
  | 'not-yet-valid'
  | 'untrusted'
  | 'incomplete-chain'
  | 'not-a-ca'
  | 'path-length'
  | 'path-too-long'
  | 'name-constraints'
  | 'wrong-purpose'
  | 'critical-extension'
  | 'hostname-mismatch'
  | 'bad-signature'
  | 'weak-signature'
  | 'weak-key'
  | 'malformed'
  | 'revoked'
  | 'revocation-unknown'
  | 'search-limit';

export interface Problem {
  id: ProblemId;
  message: string;
  /** position in the path (0 = leaf), when the problem belongs to one certificate */
  at?: number;
}

export type Purpose = 'server' | 'client';

export interface Limits {
  /** certificates between leaf and anchor, self-issued ones not counted (default 8) */
  maxIntermediates: number;
  /** candidate issuers tried for one certificate (default 16) */
  maxCandidates: number;
  /** signature verifications in one validation (default 256) */
  maxSignatureChecks: number;
  /** names x constraints comparisons in one path (default 65,536) */
  maxConstraintChecks: number;
}

export type CertInput = X509Certificate | Uint8Array | { der: Uint8Array; x509?: X509Certificate };

export interface ValidateInput {
  leaf: CertInput;
  intermediates?: CertInput[];
  /**
   * the trust anchors: the only certificates trusted (pass system roots explicitly). A plain list is a
   * public store (CA/B root profile); prepareAnchors(public, private) marks hand-picked ones.
   */
  anchors: CertInput[] | AnchorSet;
  /** every name must be covered by the leaf's SAN */
  names?: string[];
  /** the validation time */
  at: Date;
  purpose?: Purpose;
  limits?: Partial<Limits>;
  /** CRLs already at hand (DER); online revocation is a separate step (src/pki/revocation) */
  crls?: Uint8Array[];
}

export interface ValidationResult {
  /** the path that was built, leaf first; the anchor last when one was reached */
  path: CertInfo[];
  trusted: boolean;
  /** the path ends at a trust anchor (it may still have problems) */
  anchored: boolean;
  problems: Problem[];
  /** subject = issuer and the signature verifies with its own key */
  selfSigned: boolean;
  /** signature verifications done */
  signatureChecks: number;
}

/** Trust anchors indexed by subject; each is fully parsed only when a path reaches for it. */
export interface AnchorSet {
  readonly kind: 'anchor-set';
  /** the anchors whose subject (DER, hex) is this name */
  withSubject(subjectKey: string): CertInfo[];
  /** is this certificate (by id) one of the anchors */
  has(id: string): boolean;
  /** added by the user (--ca-file): held to RFC 5280, not to the CA/B root profile */
  isPrivate(id: string): boolean;
}

export type { CertInfo, Crl, PeerName };
