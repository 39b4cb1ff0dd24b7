/** Object identifiers the path validator understands. */
const NAMES = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  nameConstraints: '2.5.29.30',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  crlDistributionPoints: '2.5.29.31',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  tlsFeature: '1.3.6.1.5.5.7.1.24',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  ocsp: '1.3.6.1.5.5.7.48.1',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  anyExtendedKeyUsage: '2.5.29.37.0',
  commonName: '2.5.4.3',
  emailAddress: '1.2.840.113549.1.9.1',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  issuingDistributionPoint: '2.5.29.28',
  deltaCrlIndicator: '2.5.29.27',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  dsa: '1.2.840.10040.4.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
} as const;

const BY_OID = new Map<string, string>(Object.entries(NAMES).map(([k, v]) => [v, k]));

/** Extensions a certificate may mark critical and still be understood here. */
export const UNDERSTOOD_CRITICAL = new Set<string>([
  NAMES.basicConstraints,
  NAMES.keyUsage,
  NAMES.extKeyUsage,
  NAMES.subjectAltName,
  NAMES.nameConstraints,
  NAMES.certificatePolicies,
  NAMES.policyConstraints,
  NAMES.inhibitAnyPolicy,
  NAMES.policyMappings,
]);

/** Signature algorithms accepted in a path; SHA-1 and MD5 are reported as weak-signature. */
export const STRONG_SIGNATURES = new Set<string>([
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.113549.1.1.10',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
  '1.3.101.112',
  '1.3.101.113',
]);

export const OIDS = { ...NAMES, nameOf: (oid: string) => BY_OID.get(oid) ?? oid };
