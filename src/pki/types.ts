import type { KeyObject, X509Certificate } from 'node:crypto';

export type InputFormat = 'pem' | 'der' | 'pkcs7-pem' | 'pkcs7-der' | 'pkcs12' | 'tls';

export interface ParsedCertificate {
  x509: X509Certificate;
  der: Buffer;
}

export type KeyEncoding = 'pkcs1' | 'pkcs8' | 'sec1' | 'pkcs12';

export interface ParsedKey {
  encoding: KeyEncoding;
  encrypted: boolean;
  /** absent when the key is encrypted and no passphrase was given */
  keyObject?: KeyObject;
}

export interface ParsedCsr {
  der: Buffer;
  pem: string;
}

/** Everything found in one input (file or stdin). */
export interface Material {
  source: string;
  format: InputFormat;
  certificates: ParsedCertificate[];
  keys: ParsedKey[];
  csrs: ParsedCsr[];
}

export interface KeyFacts {
  type: string; // rsa | ec | ed25519 | ed448 | unknown
  bits?: number;
  curve?: string;
}

/** Stable JSON facts about one certificate (schema v1; see docs/json.md). */
export interface CertFacts {
  subject: string;
  commonName: string | null;
  issuer: string;
  issuerCommonName: string | null;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  dnsNames: string[];
  ipAddresses: string[];
  key: KeyFacts;
  signatureAlgorithm: string;
  fingerprintSha256: string;
  isCA: boolean;
  selfSigned: boolean;
  ocspUrls: string[];
  caIssuersUrls: string[];
}

export interface ChainReport {
  /** sha-256 fingerprints, leaf first */
  order: string[];
  givenOrderWrong: boolean;
  reachesSelfSignedRoot: boolean;
  trusted: boolean;
  /** why it isn't trusted, when it isn't */
  trustProblem: string | null;
  /** every reason from the path validator, with stable ids (docs/trust.md) */
  problems: { id: string; message: string }[];
  /** certificates that are not part of the leaf's chain */
  unrelated: string[];
  /** the issuer name the chain stops at without reaching a root, if any */
  missingIssuer: string | null;
}
